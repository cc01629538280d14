// Writing and reading the run record of an output.
#include "pipeline/run_record.hpp"

#include <boost/version.hpp>
#include <sstream>
#include <stdexcept>

#include "pipeline/sha256.hpp"

#ifndef NIGHTSTACK_YAML_CPP_VERSION
#define NIGHTSTACK_YAML_CPP_VERSION "unknown"
#endif

namespace nightstack {

namespace {

bool kept_as_is(unsigned char byte) { return byte >= 0x20 && byte <= 0x7e && byte != '%'; }

int hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  return -1;
}

}  // namespace

std::string encode_header_text(std::string_view text) {
  static const char digits[] = "0123456789ABCDEF";
  std::size_t kept_end = text.size();
  while (kept_end > 0 && text[kept_end - 1] == ' ') --kept_end;
  std::string encoded;
  encoded.reserve(text.size() + text.size() / 8);
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (kept_as_is(byte) && at < kept_end) {
      encoded += static_cast<char>(byte);
    } else {
      encoded += '%';
      encoded += digits[byte >> 4];
      encoded += digits[byte & 15];
    }
  }
  return encoded;
}

std::string decode_header_text(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (text[at] != '%') {
      decoded += text[at];
      continue;
    }
    if (at + 2 >= text.size()) throw std::invalid_argument("a %XX escape cut short");
    const int high = hex_value(text[at + 1]), low = hex_value(text[at + 2]);
    if (high < 0 || low < 0) throw std::invalid_argument("a malformed %XX escape");
    decoded += static_cast<char>(high * 16 + low);
    at += 2;
  }
  return decoded;
}

std::string inputs_text(const std::vector<InputFileRecord>& inputs) {
  std::string text;
  for (const auto& input : inputs)
    text += input.sha256 + ' ' + std::to_string(input.size) + ' ' + input.path.string() + '\n';
  return text;
}

std::vector<InputFileRecord> parse_inputs_text(const std::string& text) {
  std::vector<InputFileRecord> inputs;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find(' ');
    const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (second == std::string::npos || first != 64)
      throw std::invalid_argument("an input line is not 'SHA256 SIZE PATH': " + line);
    InputFileRecord input;
    input.sha256 = line.substr(0, first);
    input.size = std::stoull(line.substr(first + 1, second - first - 1));
    input.path = line.substr(second + 1);
    inputs.push_back(std::move(input));
  }
  return inputs;
}

void record_run(Provenance& provenance, const RunInfo& run) {
  provenance.set(config_key, encode_header_text(run.complete_config),
                 "complete config, every parameter (percent-encoded)");
  provenance.set(inputs_key, encode_header_text(inputs_text(run.inputs)),
                 "inputs: SHA-256, bytes, path (percent-encoded)");
  provenance.set(directory_key, encode_header_text(run.directory), "directory the run ran in");
  provenance.set(versions_key, encode_header_text(run.versions), "software and library versions");
}

std::optional<RunRecord> run_record_from(const std::map<std::string, std::string>& header_keys) {
  const auto config = header_keys.find(config_key);
  if (config == header_keys.end()) return std::nullopt;
  auto text_of = [&](const char* key) {
    const auto found = header_keys.find(key);
    return found == header_keys.end() ? std::string() : decode_header_text(found->second);
  };
  RunRecord record;
  record.complete_config = decode_header_text(config->second);
  record.inputs = parse_inputs_text(text_of(inputs_key));
  record.directory = text_of(directory_key);
  record.versions = text_of(versions_key);
  return record;
}

std::string pipeline_library_versions() {
  std::string boost = BOOST_LIB_VERSION;
  for (char& character : boost)
    if (character == '_') character = '.';
  return std::string("yaml-cpp ") + NIGHTSTACK_YAML_CPP_VERSION + "; Boost " + boost + "; " +
         openssl_version() + "; compiler " + __VERSION__;
}

}  // namespace nightstack
