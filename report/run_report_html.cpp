// report.html: one self-contained page (previews as data URIs, plots as inline SVG, no network).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "imaging/transfer_curve.hpp"
#include "io/jpeg_writer.hpp"
#include "pipeline/percentile.hpp"
#include "report/run_report.hpp"

namespace nightstack {

namespace {

std::string escape_html(const std::string& text) {
  std::string escaped;
  for (char character : text) {
    switch (character) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += character;
    }
  }
  return escaped;
}

std::string base64(const std::vector<unsigned char>& bytes) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned value = bytes[i] << 16;
    if (i + 1 < bytes.size()) value |= bytes[i + 1] << 8;
    if (i + 2 < bytes.size()) value |= bytes[i + 2];
    text += alphabet[(value >> 18) & 63];
    text += alphabet[(value >> 12) & 63];
    text += i + 1 < bytes.size() ? alphabet[(value >> 6) & 63] : '=';
    text += i + 2 < bytes.size() ? alphabet[value & 63] : '=';
  }
  return text;
}

std::string number(double value, const char* format = "%.4g") {
  char text[48];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// The preview stretched for the eye: black at the 0.1 and white at the 99.9 percentile (all
// channels together), then the sRGB curve. Returns the 8-bit codes.
PlanarImage<std::uint8_t> display_codes(const ImageD& preview) {
  auto points = percentiles(preview.samples(), {0.1, 99.9});
  double range = points[1] - points[0];
  if (!(range > 0)) range = 1;
  PlanarImage<std::uint8_t> codes(preview.width(), preview.height(), preview.channels());
  for (std::size_t i = 0; i < preview.samples().size(); ++i) {
    double value = std::clamp((preview.samples()[i] - points[0]) / range, 0.0, 1.0);
    codes.samples()[i] = static_cast<std::uint8_t>(std::lround(linear_to_srgb(value) * 255));
  }
  return codes;
}

std::string histogram_svg(const PlanarImage<std::uint8_t>& codes) {
  static const char* colours[] = {"#d33", "#3a3", "#36d"};
  std::ostringstream svg;
  svg << "<svg class=\"histogram\" viewBox=\"0 0 256 100\" width=\"384\" height=\"150\" role=\"img\" "
         "aria-label=\"histogram\"><rect width=\"256\" height=\"100\" fill=\"#111\"/>";
  for (int channel = 0; channel < codes.channels(); ++channel) {
    std::vector<double> counts(256, 0);
    for (auto code : codes.plane(channel)) counts[code] += 1;
    double top = std::log1p(*std::max_element(counts.begin(), counts.end()));
    svg << "<polyline fill=\"none\" stroke-width=\"1\" stroke=\""
        << (codes.channels() == 1 ? "#ddd" : colours[channel % 3]) << "\" points=\"";
    for (int bin = 0; bin < 256; ++bin)
      svg << bin << "," << number(100 - 98 * std::log1p(counts[bin]) / top) << " ";
    svg << "\"/>";
  }
  svg << "</svg>";
  return svg.str();
}

// One value per frame over the sequence (NaN: not measured), frames left out marked. `label` names
// the plot (its aria-label, "<label> per frame"); `unit` follows it in the caption.
std::string values_svg(const SourceSummary& source, const std::vector<double>& values,
                       const std::string& label, const std::string& unit = "");

// Background and noise (channel averages) over the sequence.
std::string sequence_svg(const SourceSummary& source, bool noise) {
  std::vector<double> values;
  for (const auto& record : source.records) {
    const auto& channels = noise ? record.statistics.noise : record.statistics.background;
    double sum = 0;
    for (double value : channels) sum += value;
    values.push_back(channels.empty() ? NAN : sum / channels.size());
  }
  return values_svg(source, values, noise ? "noise" : "background", "fraction of full scale");
}

std::string values_svg(const SourceSummary& source, const std::vector<double>& values,
                       const std::string& label, const std::string& unit) {
  double low = INFINITY, high = -INFINITY;
  for (double value : values) {
    if (std::isfinite(value)) low = std::min(low, value), high = std::max(high, value);
  }
  if (!std::isfinite(low)) return "<p>No frame was measured.</p>";
  if (high <= low) high = low + 1e-9;
  const double width = 600, height = 160, margin = 30;
  const double step = values.size() > 1 ? (width - 2 * margin) / (values.size() - 1) : 0;
  auto x = [&](std::size_t i) { return margin + step * static_cast<double>(i); };
  auto y = [&](double value) {
    return height - margin - (value - low) / (high - low) * (height - 2 * margin);
  };
  std::ostringstream svg;
  svg << "<svg class=\"plot\" viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width
      << "\" height=\"" << height << "\" role=\"img\" aria-label=\"" << escape_html(label) << " per frame\">"
      << "<rect width=\"" << width << "\" height=\"" << height << "\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
      << "<text x=\"4\" y=\"14\" font-size=\"11\">" << escape_html(label)
      << (unit.empty() ? "" : " (" + unit + ")") << ": " << number(low) << " .. " << number(high) << "</text>"
      << "<polyline fill=\"none\" stroke=\"#246\" stroke-width=\"1.5\" points=\"";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) svg << number(x(i)) << "," << number(y(values[i])) << " ";
  }
  svg << "\"/>";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    bool rejected = !source.records[i].used;
    svg << "<circle cx=\"" << number(x(i)) << "\" cy=\"" << number(y(values[i])) << "\" r=\""
        << (rejected ? 4 : 2) << "\" fill=\"" << (rejected ? "#c00" : "#246") << "\"><title>"
        << escape_html(source.records[i].path.filename().string()) << "</title></circle>";
  }
  svg << "</svg>";
  return svg.str();
}

void write_output_section(std::ostringstream& html, const OutputRecord& output) {
  html << "<section class=\"output\"><h2>Output <code>" << escape_html(output.stage) << "</code></h2><p>";
  for (const auto& file : output.files) html << "<code>" << escape_html(file.string()) << "</code> ";
  html << "</p>";
  if (!output.preview.empty()) {
    auto codes = display_codes(output.preview);
    html << "<figure><img class=\"preview\" alt=\"preview of " << escape_html(output.stage)
         << "\" src=\"data:image/jpeg;base64," << base64(encode_jpeg(codes, 85)) << "\"><figcaption>Preview "
         << codes.width() << "x" << codes.height()
         << ", stretched from the 0.1 to the 99.9 percentile, sRGB.</figcaption></figure>"
         << histogram_svg(codes);
  }
  if (output.statistics.channels.empty()) {  // a stack's maps: files only
    html << "</section>";
    return;
  }
  html << "<table><tr><th>channel</th><th>min</th><th>median</th><th>mean</th><th>max</th><th>MAD</th>"
          "<th>std</th><th>p0.1</th><th>p99.9</th></tr>";
  for (std::size_t c = 0; c < output.statistics.channels.size(); ++c) {
    const auto& channel = output.statistics.channels[c];
    const auto& p = channel.percentiles;
    html << "<tr><td>" << c + 1 << "</td><td>" << number(channel.minimum) << "</td><td>"
         << number(channel.median) << "</td><td>" << number(channel.mean) << "</td><td>"
         << number(channel.maximum) << "</td><td>" << number(channel.mad) << "</td><td>"
         << number(channel.standard_deviation) << "</td><td>" << (p.empty() ? "" : number(p.front()))
         << "</td><td>" << (p.empty() ? "" : number(p.back())) << "</td></tr>";
  }
  html << "</table></section>";
}

// Per-frame measurements of the prepared transforms (registration: FWHM, roundness, stars, ...),
// one column each, in the order the first measured frame gives them.
void write_measurement_table(std::ostringstream& html, const SourceSummary& source) {
  const FrameRecord* first = nullptr;
  for (const auto& record : source.records)
    if (!record.measurements.empty() && !first) first = &record;
  if (!first) return;
  html << "<table><tr><th>frame</th><th>file</th>";
  for (const auto& [name, value] : first->measurements) html << "<th>" << escape_html(name) << "</th>";
  html << "<th>stacked</th></tr>";
  for (std::size_t index = 0; index < source.records.size(); ++index) {
    const auto& record = source.records[index];
    if (record.measurements.empty()) continue;
    html << "<tr><td>" << index << "</td><td>" << escape_html(record.path.filename().string()) << "</td>";
    for (const auto& [name, value] : record.measurements) html << "<td>" << number(value) << "</td>";
    html << "<td>" << (record.used ? "yes" : "no") << "</td></tr>";
  }
  html << "</table>";
  // The quality over the night: seeing, trailing, clouds.
  for (const std::string name : {"fwhm", "roundness", "stars"}) {
    const std::string unit = name == "fwhm" ? "pixels" : "";
    std::vector<double> values;
    for (const auto& record : source.records) {
      double value = NAN;
      for (const auto& [measured, amount] : record.measurements)
        if (measured == name) value = amount;
      values.push_back(value);
    }
    html << values_svg(source, values, name, unit);
  }
}

void write_source_section(std::ostringstream& html, const SourceSummary& source) {
  html << "<section class=\"source\"><h2>Frames of <code>" << escape_html(source.id) << "</code></h2><p>"
       << source.frames << " stacked, " << source.skipped.size() << " files skipped, "
       << source.failed_frames() << " bad frames skipped.</p>" << sequence_svg(source, false)
       << sequence_svg(source, true);
  bool any_note = !source.skipped.empty();
  for (const auto& record : source.records) any_note = any_note || !record.used;
  if (any_note) {
    html << "<table><tr><th>file</th><th>left out because</th></tr>";
    for (const auto& skipped : source.skipped) {
      html << "<tr><td>" << escape_html(skipped.path.string()) << "</td><td>" << escape_html(skipped.reason)
           << "</td></tr>";
    }
    for (const auto& record : source.records) {
      if (record.used) continue;
      const std::string reason =
          record.failure.empty() ? record.rejection : "could not be used (on_error: skip): " + record.failure;
      html << "<tr><td>" << escape_html(record.path.string()) << "</td><td>" << escape_html(reason)
           << "</td></tr>";
    }
    html << "</table>";
  }
  write_measurement_table(html, source);
  html << "</section>";
}

}  // namespace

std::string run_report_html(const RunSummary& summary, const RunInfo& run) {
  std::ostringstream html;
  html << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>nightstack "
          "report</title><style>"
          "body{font-family:sans-serif;margin:2em;max-width:70em}img.preview{max-width:100%;background:#000}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
          "text-align:right}svg{display:block;margin:.5em 0}pre{background:#f4f4f4;padding:1em;overflow:auto}"
          "</style></head><body><h1>nightstack run report</h1><p>"
       << escape_html(run.software) << ", config <code>" << escape_html(run.config_path) << "</code>, "
       << number(summary.seconds, "%.1f") << " s on " << summary.threads
       << " threads.</p><p id=\"render-check\">Checking the previews…</p>";
  for (const auto& output : summary.outputs) write_output_section(html, output);
  for (const auto& source : summary.sources) write_source_section(html, source);
  html << "<section><h2>Time per stage</h2><p>Seconds of work, summed over threads.</p><table>";
  for (const auto& timing : summary.timings) {
    html << "<tr><td>" << escape_html(timing.id) << "</td><td>" << number(timing.seconds, "%.2f")
         << "</td></tr>";
  }
  html << "</table></section><section><h2>Config as run</h2><pre>" << escape_html(run.resolved_config)
       << "</pre></section>"
          // Tells the reader (and the report's browser test) whether every embedded image decoded.
          "<script>window.addEventListener('load',function(){var images=Array.prototype.slice.call("
          "document.images);var broken=images.filter(function(i){return !i.complete||i.naturalWidth===0;});"
          "document.getElementById('render-check').textContent=broken.length===0?'All '+images.length+"
          "' previews loaded.':broken.length+' previews failed to load.';});</script></body></html>\n";
  return html.str();
}

}  // namespace nightstack
