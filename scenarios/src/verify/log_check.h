// Log completeness: every line the target acknowledged is looked for in its
// stream through Loki's query API (`GET /loki/api/v1/query_range`, forward,
// paged by time) or VictoriaLogs' (`GET /select/logsql/query` with the
// stream filter `_stream:{...}` and the stream's time span, JSON lines) and
// compared with the line as sent, which the LogGenerator
// regenerates from the ledger's line numbers. A line is identified by its
// stream and timestamp (unique per stream by construction); it is intact
// when found once with the exact text, altered when its timestamp holds
// other text, duplicated for every further copy; lines the stream holds
// that were never sent are unexpected, and a line returned after one that
// was sent later is out of order. Streams with missing lines are polled
// again until `settle_timeout`.
//
// Thread safety: functions are reentrant; a QueryClient is not shared.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/log_generator.h"
#include "obs/loadgen/loki_push.h"

#include "verify/query_client.h"

namespace obs::scenarios {

struct ReceivedLine {
  std::int64_t timestamp_ns = 0;
  std::string line;
};

// Parses a Loki `streams` answer: the values of every stream, in answer order.
Result<std::vector<ReceivedLine>> ParseLokiStreams(std::string_view body);
// Parses a VictoriaLogs query answer: one JSON object per line with `_msg`
// and `_time` (RFC 3339, nanoseconds); blank lines are skipped.
Result<std::vector<ReceivedLine>> ParseVictoriaLogsLines(std::string_view body);

enum class LogQueryApi : std::uint8_t { kLoki, kVictoriaLogs };

struct LogCheckOptions {
  LogQueryApi api = LogQueryApi::kLoki;
  double settle_timeout_seconds = 30;
  double poll_interval_seconds = 0.2;
  int max_examples = 5;
  std::size_t page_limit = 5000;
};

// `run_label` is the label the sender added to every stream (obsbench_run).
Result<LogCompletenessRecord> CheckLogCompleteness(
    QueryClient& client, const loadgen::LogGenerator& generator, const loadgen::LogLedger& ledger,
    const std::string& run_id, const LogCheckOptions& options, const Clock& clock);

}  // namespace obs::scenarios
