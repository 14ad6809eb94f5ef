// BatchBuilder turns (series id, timestamp) pairs into a remote-write request
// body: labels and values from the SeriesModel, protobuf and one snappy
// block from the wire encoder. It is the generator's per-core ceiling
// (BM_RemoteWrite_BuildBatch).
//
// Each series' label set is encoded to protobuf bytes once, the first time
// the builder sees the series, and kept in a cache keyed by slot; a sample
// then costs a copy of those bytes, its value and a few bytes of framing.
// When churn replaces a slot's series (a new generation, so a new id), the
// new label set is encoded over the old one: each entry reserves 1/8 more
// than its first label set needs, and a generation changes a few digits, so
// the bytes are nearly always rewritten in place. One that does not fit
// moves to the end, and the bytes left behind are reclaimed once they reach
// half the live bytes. So the cache holds the slots this builder has seen
// (one shard's share) and never more than 1.5 times their label bytes
// (about the encoded label size plus about 140 bytes each), however many
// generations a run goes through: the generator's memory is flat. Values are memoized per
// (timestamp, phase) in a CurveCache, bit-identical to SeriesModel::Value.
// The encoder snappy-compresses each 64 KiB of the request as soon as it is
// written (Output::kSnappy), so the uncompressed request is never all in
// memory. Buffers are reused, so after warm-up a batch costs no allocation
// of ours.
//
// Thread safety: none; one builder per sender thread.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "obs/wire/remote_write.h"

#include "series_model.h"

namespace obs::loadgen::internal {

class BatchBuilder {
 public:
  // `model` must outlive the builder.
  explicit BatchBuilder(const SeriesModel& model);

  void Reset();
  // Appends one series with one sample: the model's value at `ts_ms`.
  // REQUIRES: series_id < model.slots() * model.generations().
  void Add(std::uint32_t series_id, std::int64_t ts_ms);
  // The compressed body; valid until the next Reset().
  std::string_view Finish();

  std::size_t samples() const { return encoder_.samples(); }
  // Bytes of encoded label sets held, live and dead (for memory tests).
  std::size_t label_bytes() const { return labels_.size(); }

 private:
  // One slot's current series and its encoded label set.
  struct CachedSeries {
    std::uint32_t slot = 0;
    std::uint32_t id = 0;
    std::uint32_t labels_size = 0;
    std::uint32_t labels_capacity = 0;  // Bytes reserved at labels_offset.
    std::size_t labels_offset = 0;      // In labels_.
    SeriesModel::SeriesRef ref;
    SeriesModel::ValueRecipe recipe;
  };

  // The index in entries_ of `series_id`'s entry, encoding its labels if the
  // slot is new or now holds another generation.
  std::size_t Lookup(std::uint32_t series_id);
  // The index in entries_ of `slot`'s entry, created (labels not yet
  // encoded) if there is none.
  [[gnu::noinline]] std::size_t FindOrInsert(std::uint32_t slot, std::uint32_t series_id);
  [[gnu::noinline]] void EncodeLabels(CachedSeries& entry);
  // Doubles index_.
  void GrowIndex();
  // Drops the label bytes left behind by label sets that moved.
  void CompactLabels();

  const SeriesModel* model_;
  std::uint32_t slots_;
  // Entries in the order slots were first seen. A sender cycles through its
  // slots in one order, so the entry after the last one used is nearly
  // always the next one asked for: `next_` is tried before the hash index,
  // and entries and label bytes are read sequentially.
  std::vector<CachedSeries> entries_;
  std::size_t next_ = 0;
  // Open addressing with linear probing, size a power of two: entry index
  // + 1, or 0 when empty.
  std::vector<std::uint32_t> index_;
  std::string labels_;                // Encoded label sets, back to back.
  std::size_t live_label_bytes_ = 0;  // Sum of the entries' labels_capacity.
  std::string scratch_;               // One label set being encoded.
  CurveCache curves_;
  wire::WriteRequestEncoder encoder_{wire::WriteRequestEncoder::Output::kSnappy};
};

}  // namespace obs::loadgen::internal
