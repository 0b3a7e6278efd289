#include "service/metrics_text.h"

#include <fmt/format.h>

#include <cmath>

namespace s3u::service {
namespace {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kHistogram:
      return "histogram";
    default:
      return "gauge";
  }
}

std::string Escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void HistogramCounts::Observe(double value) {
  size_t i = 0;
  while (i < bounds.size() && value > bounds[i]) ++i;
  ++counts[i];
  sum += value;
  ++count;
}

void AppendHistogram(MetricFamily& family, const Labels& labels, const HistogramCounts& counts) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= counts.bounds.size(); ++i) {
    cumulative += counts.counts[i];
    Labels with_le = labels;
    with_le.emplace_back("le", i < counts.bounds.size() ? FormatValue(counts.bounds[i]) : "+Inf");
    family.samples.push_back({"_bucket", std::move(with_le), static_cast<double>(cumulative)});
  }
  family.samples.push_back({"_sum", labels, counts.sum});
  family.samples.push_back({"_count", labels, static_cast<double>(counts.count)});
}

std::string EscapeLabelValue(std::string_view value) { return Escape(value, true); }

std::string EscapeHelp(std::string_view text) { return Escape(text, false); }

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Whole numbers up to 2^53 are exact in a double: written without a fraction or exponent.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);  // the shortest text that reads back as the same double
}

std::string FormatExposition(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, EscapeHelp(family.help),
                       family.name, TypeName(family.type));
    for (const Sample& sample : family.samples) {
      out += family.name;
      out += sample.suffix;
      if (!sample.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < sample.labels.size(); ++i) {
          if (i > 0) out += ',';
          out += fmt::format("{}=\"{}\"", sample.labels[i].first,
                             EscapeLabelValue(sample.labels[i].second));
        }
        out += '}';
      }
      out += ' ';
      out += FormatValue(sample.value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace s3u::service
