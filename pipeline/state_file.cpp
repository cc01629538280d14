// Checkpoint state files: atomic, digest-checked binary records.
#include "pipeline/state_file.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr char magic[] = "nightstack state\n";
constexpr std::size_t magic_bytes = sizeof magic - 1;
constexpr std::size_t digest_bytes = 32;

EVP_MD_CTX* context_of(DigestState* state) { return reinterpret_cast<EVP_MD_CTX*>(state); }

DigestContext new_digest() {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (!context || EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(context);
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  return DigestContext(reinterpret_cast<DigestState*>(context));
}

void update(DigestContext& digest, const void* data, std::size_t bytes) {
  if (EVP_DigestUpdate(context_of(digest.get()), data, bytes) != 1)
    throw std::runtime_error("SHA-256 failed in OpenSSL");
}

std::array<unsigned char, digest_bytes> final_digest(DigestContext& digest) {
  std::array<unsigned char, digest_bytes> value{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_of(digest.get()), value.data(), &length) != 1 || length != digest_bytes)
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  return value;
}

}  // namespace

void DigestStateDeleter::operator()(DigestState* state) const { EVP_MD_CTX_free(context_of(state)); }

StateWriter::StateWriter(const std::filesystem::path& path, std::string what)
    : output_(path), what_(std::move(what)), digest_(new_digest()) {
  stream_.open(output_.temporary_path(), std::ios::binary | std::ios::trunc);
  if (!stream_) throw OutputError(output_.temporary_path(), "cannot create the " + what_ + " file");
  raw(magic, magic_bytes);
}

void StateWriter::raw(const void* data, std::size_t bytes) {
  update(digest_, data, bytes);
  stream_.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

void StateWriter::unsigned_integer(std::uint64_t value) { raw(&value, sizeof value); }

void StateWriter::number(double value) { raw(&value, sizeof value); }

void StateWriter::text(const std::string& value) {
  unsigned_integer(value.size());
  raw(value.data(), value.size());
}

void StateWriter::commit() {
  const auto digest = final_digest(digest_);
  stream_.write(reinterpret_cast<const char*>(digest.data()), digest.size());
  stream_.close();
  if (!stream_) {
    throw OutputError(output_.destination(),
                      "cannot write the " + what_ + " (is the disk full?); free some space" +
                          (what_ == "checkpoint" ? " or set checkpoint_directory to another disk" : ""));
  }
  output_.commit();
}

bool is_state_file(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::string start(magic_bytes, '\0');
  return stream.read(start.data(), magic_bytes) && start == magic;
}

StateReader::StateReader(const std::filesystem::path& path, std::string remedy, std::string what)
    : path_(path), remedy_(std::move(remedy)), what_(std::move(what)) {
  stream_.open(path_, std::ios::binary);
  if (!stream_) fail("cannot be opened");
  stream_.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(stream_.tellg());
  if (size < magic_bytes + digest_bytes) fail("is truncated (" + std::to_string(size) + " bytes)");
  // First the digest of the whole content, so nothing damaged is ever loaded.
  stream_.seekg(0);
  DigestContext digest = new_digest();
  std::vector<char> chunk(std::size_t{1} << 20);
  for (std::uint64_t left = size - digest_bytes; left > 0;) {
    const auto bytes = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    if (!stream_.read(chunk.data(), static_cast<std::streamsize>(bytes))) fail("cannot be read");
    update(digest, chunk.data(), bytes);
    left -= bytes;
  }
  std::array<unsigned char, digest_bytes> stored{};
  if (!stream_.read(reinterpret_cast<char*>(stored.data()), digest_bytes)) fail("cannot be read");
  if (final_digest(digest) != stored)
    fail("is damaged or truncated (its SHA-256 does not match its contents)");
  stream_.seekg(0);
  remaining_ = size - digest_bytes;
  std::string start(magic_bytes, '\0');
  raw(start.data(), magic_bytes);
  if (start != magic) fail("is not a nightstack " + what_);
}

void StateReader::fail(const std::string& problem) const {
  throw InputError(path_, what_ + " file " + problem + "; " + remedy_);
}

void StateReader::raw(void* data, std::size_t bytes) {
  if (bytes > remaining_) fail("ends early (written by another version of nightstack?)");
  if (!stream_.read(static_cast<char*>(data), static_cast<std::streamsize>(bytes))) fail("cannot be read");
  remaining_ -= bytes;
}

std::uint64_t StateReader::unsigned_integer() {
  std::uint64_t value = 0;
  raw(&value, sizeof value);
  return value;
}

double StateReader::number() {
  double value = 0;
  raw(&value, sizeof value);
  return value;
}

std::uint64_t StateReader::count(std::uint64_t bytes_per_item) {
  const std::uint64_t items = unsigned_integer();
  if (bytes_per_item > 0 && items > remaining_ / bytes_per_item)
    fail("claims " + std::to_string(items) + " items, more than it holds");
  return items;
}

std::string StateReader::text() {
  std::string value(count(1), '\0');
  raw(value.data(), value.size());
  return value;
}

void StateReader::expect_end() {
  if (remaining_ != 0) fail("has " + std::to_string(remaining_) + " unexpected bytes at its end");
}

}  // namespace nightstack
