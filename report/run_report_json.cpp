// report.json: everything the run did, as data.
#include <sstream>

#include "pipeline/json_text.hpp"
#include "report/run_report.hpp"

namespace nightstack {

namespace {

std::string number_list(const std::vector<double>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + json_number(values[i]);
  return text + "]";
}

std::string frame_json(std::size_t index, const FrameRecord& record) {
  const auto& statistics = record.statistics;
  std::string json = "{\"index\": " + std::to_string(index) +
                     ", \"path\": " + json_string(record.path.string()) +
                     ", \"used\": " + (record.used ? "true" : "false");
  if (!record.rejection.empty()) json += ", \"rejection\": " + json_string(record.rejection);
  if (!record.failure.empty()) json += ", \"failure\": " + json_string(record.failure);
  if (!statistics.mean.empty()) {
    json += ", \"background\": " + number_list(statistics.background) +
            ", \"noise\": " + number_list(statistics.noise) + ", \"mean\": " + number_list(statistics.mean) +
            ", \"saturated\": " + std::to_string(statistics.saturated);
  }
  if (!record.measurements.empty()) {
    json += ", \"measurements\": {";
    for (std::size_t i = 0; i < record.measurements.size(); ++i)
      json += (i ? ", " : "") + json_string(record.measurements[i].first) + ": " +
              json_number(record.measurements[i].second);
    json += "}";
  }
  if (!record.transform.empty()) json += ", \"transform\": " + number_list(record.transform);
  return json + "}";
}

std::string channel_json(const ImageChannelStatistics& channel, const std::vector<double>& percents) {
  std::string json =
      "{\"count\": " + std::to_string(channel.count) + ", \"minimum\": " + json_number(channel.minimum) +
      ", \"maximum\": " + json_number(channel.maximum) + ", \"mean\": " + json_number(channel.mean) +
      ", \"median\": " + json_number(channel.median) + ", \"mad\": " + json_number(channel.mad) +
      ", \"standard_deviation\": " + json_number(channel.standard_deviation) + ", \"percentiles\": {";
  for (std::size_t i = 0; i < percents.size() && i < channel.percentiles.size(); ++i) {
    json +=
        (i ? ", " : "") + json_string(json_number(percents[i])) + ": " + json_number(channel.percentiles[i]);
  }
  return json + "}}";
}

}  // namespace

std::string run_report_json(const RunSummary& summary, const RunInfo& run) {
  std::ostringstream json;
  json << "{\n  \"software\": " << json_string(run.software)
       << ",\n  \"config\": " << json_string(run.config_path)
       << ",\n  \"resolved_config\": " << json_string(run.resolved_config)
       << ",\n  \"complete_config\": " << json_string(run.complete_config)
       << ",\n  \"directory\": " << json_string(run.directory)
       << ",\n  \"versions\": " << json_string(run.versions) << ",\n  \"inputs\": [";
  for (std::size_t i = 0; i < run.inputs.size(); ++i) {
    json << (i ? "," : "") << "\n    {\"path\": " << json_string(run.inputs[i].path.string())
         << ", \"size\": " << run.inputs[i].size << ", \"sha256\": " << json_string(run.inputs[i].sha256)
         << "}";
  }
  json << "]"
       << ",\n  \"threads\": " << summary.threads << ",\n  \"wall_seconds\": " << json_number(summary.seconds)
       << ",\n  \"sources\": [";
  for (std::size_t s = 0; s < summary.sources.size(); ++s) {
    const auto& source = summary.sources[s];
    json << (s ? "," : "") << "\n    {\"id\": " << json_string(source.id)
         << ", \"frames_stacked\": " << source.frames << ",\n     \"skipped\": [";
    for (std::size_t i = 0; i < source.skipped.size(); ++i) {
      json << (i ? ", " : "") << "{\"path\": " << json_string(source.skipped[i].path.string())
           << ", \"reason\": " << json_string(source.skipped[i].reason) << "}";
    }
    json << "],\n     \"bad_frames_skipped\": [";
    bool first = true;
    for (std::size_t i = 0; i < source.records.size(); ++i) {
      const auto& record = source.records[i];
      if (record.failure.empty()) continue;
      json << (first ? "" : ", ") << "{\"index\": " << i
           << ", \"path\": " << json_string(record.path.string())
           << ", \"reason\": " << json_string(record.failure) << "}";
      first = false;
    }
    json << "],\n     \"frames\": [";
    for (std::size_t i = 0; i < source.records.size(); ++i) {
      json << (i ? ",\n       " : "\n       ") << frame_json(i, source.records[i]);
    }
    json << "]}";
  }
  json << "],\n  \"timings\": [";
  for (std::size_t i = 0; i < summary.timings.size(); ++i) {
    json << (i ? ", " : "") << "{\"stage\": " << json_string(summary.timings[i].id)
         << ", \"seconds\": " << json_number(summary.timings[i].seconds) << "}";
  }
  json << "],\n  \"outputs\": [";
  for (std::size_t o = 0; o < summary.outputs.size(); ++o) {
    const auto& output = summary.outputs[o];
    json << (o ? "," : "") << "\n    {\"stage\": " << json_string(output.stage) << ", \"files\": [";
    for (std::size_t i = 0; i < output.files.size(); ++i) {
      json << (i ? ", " : "") << json_string(output.files[i].string());
    }
    json << "], \"channels\": [";
    for (std::size_t c = 0; c < output.statistics.channels.size(); ++c) {
      json << (c ? ", " : "") << channel_json(output.statistics.channels[c], output.statistics.percents);
    }
    json << "]}";
  }
  json << "]\n}\n";
  return json.str();
}

}  // namespace nightstack
