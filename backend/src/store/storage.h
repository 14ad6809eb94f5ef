// Storage is the reference backend's in-memory time-series database. It holds
// every series ever written (no retention yet) as Gorilla-compressed chunks:
// a series owns a list of immutable closed chunks plus one open head chunk
// that takes appends; a chunk closes at `kSamplesPerChunk` samples. An
// inverted index (label pair -> sorted series ids) answers matcher queries.
//
// Every write goes through Append(), the single place a WAL or retention can
// hook in later. Append is all-or-nothing per request: the whole request is
// validated first (labels, per-series order, duplicates), then every sample is
// appended or none is. Stale markers (NaN with bits 0x7ff0000000000002) are
// stored bit-exactly.
//
// Thread safety: all methods are safe to call concurrently. Appends take the
// index lock shared once per request to look series up, exclusively only to
// create new series, and then lock every touched series (try-locks in request
// order, falling back to id order when contended, so no deadlock); readers
// take the index lock shared, copy what they need and decode chunks without
// holding any lock.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"
#include "obs/wire/remote_write.h"

#include "store/labels.h"

namespace obs::backend {

inline constexpr std::size_t kSamplesPerChunk = 120;

struct StorageOptions {
  // Room for retention and WAL settings later.
};

struct AppendStats {
  std::size_t series = 0;      // Series in the request (after validation).
  std::size_t samples = 0;     // Samples stored; exact duplicates are not counted.
  std::size_t new_series = 0;  // Series created by this request.
};

namespace internal {
class MemSeries;  // series.h
}  // namespace internal

// A handle to one stored series. Cheap to copy; keeps the series alive.
// Samples() may run while appends continue: it returns a consistent prefix.
class SeriesRef {
 public:
  explicit SeriesRef(std::shared_ptr<const internal::MemSeries> series);

  std::uint64_t id() const;
  const Labels& labels() const;
  // The same labels, shareable without a copy (keeps the series alive).
  std::shared_ptr<const Labels> labels_ptr() const;

  // Samples with mint <= timestamp_ms <= maxt, in timestamp order, stale
  // markers included (use wire::IsStaleNaN to spot them).
  std::vector<wire::Sample> Samples(std::int64_t mint, std::int64_t maxt) const;
  // The same samples written into `out` (cleared first), whose capacity is
  // reused: a caller that decodes many series one after another keeps one
  // buffer instead of allocating a vector per series.
  void Samples(std::int64_t mint, std::int64_t maxt, std::vector<wire::Sample>& out) const;

 private:
  std::shared_ptr<const internal::MemSeries> series_;
};

class Storage {
 public:
  explicit Storage(StorageOptions options = {});
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Appends every sample of `request`, or none. Labels are sorted on the way
  // in and empty-valued labels are dropped. Returns kInvalidArgument with a
  // Prometheus-like reason naming the series for: an empty label set, an
  // empty or invalid label name, a duplicate label name, a missing or invalid
  // `__name__`, an out-of-order sample (`out of order sample for series
  // up{job="a"}: 1000 < 2000`), or a different value at an existing
  // timestamp (`duplicate sample for timestamp ...`). The same timestamp with
  // the same value bits is accepted as a no-op, as Prometheus does.
  Result<AppendStats> Append(const wire::WriteRequestView& request);

  // The same for the flat form the write handler decodes into; the hot
  // path. A series already stored is found by a hash of its labels as sent,
  // without building any string; labels are validated only for series not
  // seen before (or sent unsorted or with empty values).
  Result<AppendStats> Append(const wire::FlatWriteRequest& request);

  // Series whose labels satisfy all `matchers` and that hold at least one
  // sample in [mint_ms, maxt_ms], sorted by labels. REQUIRES: matchers from
  // Matcher::Create. An empty matcher list selects every series.
  std::vector<SeriesRef> Select(const std::vector<Matcher>& matchers, std::int64_t mint_ms,
                                std::int64_t maxt_ms) const;

  // Sorted, unique label names of series with a sample in [mint_ms, maxt_ms]
  // matching any of `match_sets` (a series matches a set if it satisfies all
  // its matchers). Empty `match_sets` = all series.
  std::vector<std::string> LabelNames(const std::vector<std::vector<Matcher>>& match_sets,
                                      std::int64_t mint_ms, std::int64_t maxt_ms) const;

  // Sorted, unique values of label `name`, with the same filtering as LabelNames().
  std::vector<std::string> LabelValues(std::string_view name,
                                       const std::vector<std::vector<Matcher>>& match_sets,
                                       std::int64_t mint_ms, std::int64_t maxt_ms) const;

  struct Stats {
    std::uint64_t series = 0;       // Series created (a rejected request may leave one empty).
    std::uint64_t samples = 0;      // Samples stored.
    std::uint64_t chunk_bytes = 0;  // Encoded bytes over closed and head chunks.
  };
  Stats stats() const;

 private:
  class Impl;  // storage.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::backend
