// Realistic application log lines from a LogModel, reproducible from
// (model, seed, run id, line number): structured JSON and logfmt application
// logs with levels in realistic proportions, Apache/NGINX combined access
// logs, multi-line stack traces on errors, trace_id/span_id correlation, and
// a configurable line size. Streams are the cartesian product of the
// model's label values (the stream cardinality).
//
// Identity: line n belongs to stream n % S and is that stream's line n / S
// (its `seq`); every line carries `seq` (JSON field, logfmt key, or the
// access log's `rid` query parameter), so a verifier can find each line and
// regenerate its exact text from the ledger's line numbers.
//
// Thread safety: Line() is const and may run concurrently.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/base/status.h"

namespace obs::loadgen {

enum class LogFormat { kJson, kLogfmt, kAccess };
std::string_view LogFormatName(LogFormat f);  // "json", "logfmt", "access".

struct LogModel {
  std::string name;
  // Stream labels: each label's values; streams = the product of the lists.
  std::vector<std::pair<std::string, std::vector<std::string>>> labels = {{"app", {"api"}}};
  // Per stream, formats are assigned round robin from this list.
  std::vector<LogFormat> formats = {LogFormat::kJson};
  // Level weights (debug, info, warn, error); access logs derive the level
  // from the status code instead.
  double debug = 0.05, info = 0.80, warn = 0.12, error = 0.03;
  // Share of error lines that carry a multi-line stack trace.
  double stack_trace_probability = 0.5;
  // Share of lines carrying trace_id/span_id (W3C ids).
  double trace_correlation = 0.7;
  // Typical line length in bytes (padding in a `detail` field when short);
  // 0 = natural length (about 120-250 bytes).
  int line_bytes = 0;
};

// kInvalidArgument naming the field for an unusable model.
Status ValidateLogModel(const LogModel& model);

struct GeneratedLine {
  std::size_t stream = 0;
  std::uint64_t seq = 0;
  std::string line;
};

class LogGenerator {
 public:
  // REQUIRES: ValidateLogModel(model).ok().
  LogGenerator(LogModel model, std::uint64_t seed, std::string_view run_id);

  std::size_t stream_count() const { return streams_.size(); }
  // Sorted labels of stream s.
  const std::vector<std::pair<std::string, std::string>>& stream_labels(std::size_t s) const {
    return streams_[s];
  }
  LogFormat stream_format(std::size_t s) const;

  // Line n; `timestamp_ns` only feeds the text of formats that print a time.
  void Line(std::uint64_t n, std::int64_t timestamp_ns, GeneratedLine& out) const;

  const LogModel& model() const { return model_; }

 private:
  LogModel model_;
  std::uint64_t key_ = 0;
  std::vector<std::vector<std::pair<std::string, std::string>>> streams_;
};

}  // namespace obs::loadgen
