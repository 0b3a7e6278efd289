// Prometheus's text exposition format (version 0.0.4), as values and one formatter: what
// GET /metrics answers (docs/operations.md). Pure: no I/O, no clock; the service's own metrics
// are gathered elsewhere (run_metrics.h) and handed here as MetricFamily values.
//
// The format, as Prometheus parses it: each family is a `# HELP name text` line, a
// `# TYPE name counter|gauge|histogram` line, then its samples, one per line:
// `name{label="value",...} number`. Label values are user text (a connector's name), so
// backslash, double quote and newline are escaped (`\\`, `\"`, `\n`); HELP text escapes
// backslash and newline. A histogram is cumulative `_bucket{le="..."}` samples ending with
// `le="+Inf"`, then `_sum` and `_count`.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3u::service {

// The Content-Type of the text format.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kCounter, kGauge, kHistogram };

// Label names are ours (ASCII identifiers); values may be any UTF-8 text.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string suffix;  // appended to the family's name: "", "_bucket", "_sum", "_count"
  Labels labels;
  double value = 0;
};

// One metric: its name (a counter's ends in `_total`), help text, type and samples. A family
// without samples is still written (HELP and TYPE), so the metric is documented in the output.
struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;
};

// The counts of one histogram. `bounds` are the buckets' upper bounds, ascending, without
// +Inf; `counts[i]` counts observations <= bounds[i] and > bounds[i-1] (not cumulative), and
// counts.back() those above every bound.
struct HistogramCounts {
  std::vector<double> bounds;
  std::vector<uint64_t> counts;  // bounds.size() + 1 entries
  double sum = 0;
  uint64_t count = 0;

  explicit HistogramCounts(std::vector<double> upper_bounds)
      : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {}
  void Observe(double value);
};

// Appends the histogram's samples to `family` (REQUIRES type kHistogram): one cumulative
// `_bucket` per bound and `+Inf`, each with `labels` and `le`, then `_sum` and `_count`.
void AppendHistogram(MetricFamily& family, const Labels& labels, const HistogramCounts& counts);

// `\` → `\\`, `"` → `\"`, newline → `\n`; everything else as it is.
std::string EscapeLabelValue(std::string_view value);
// `\` → `\\`, newline → `\n`.
std::string EscapeHelp(std::string_view text);
// A sample value as Prometheus writes it: whole numbers without a fraction ("42"), others
// with enough digits to read back exactly, and `+Inf`, `-Inf`, `NaN`.
std::string FormatValue(double value);

// The whole exposition: every family in the order given, each line ending in "\n".
std::string FormatExposition(const std::vector<MetricFamily>& families);

}  // namespace s3u::service
