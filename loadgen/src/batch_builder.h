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
// The request is written straight as a snappy block, without snappy's match
// finder (wire::SnappyWriteRequestEncoder): each series is written against
// a reference series of the same batch, found when its labels are encoded:
// the series seen last whose labels differ from its own in exactly one label
// (the next histogram bucket, the same metric on the previous instance), by
// a lossy table keyed by the hash of the label set without each one of its
// labels. When that series is not in the batch (or more than 64 KiB back,
// where a copy costs 5 bytes instead of 3), the series just before is the
// reference. Its label bytes are a wire::SnappyDelta against the
// reference's, compiled the first time the two meet (a sender cycles
// through its slots in one order, so that is once per pair) and again when
// either changes generation. A batch then costs, per series, a few element
// writes instead of snappy hashing every byte, the uncompressed request never
// exists, and the block is about as small as snappy's. Buffers are reused,
// so after warm-up a batch costs no allocation of ours.
//
// Thread safety: none; one builder per sender thread.

#pragma once

#include <array>
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
  // The compressed body; valid until the second Reset() from now.
  std::string_view Finish();

  std::size_t samples() const { return encoders_[current_].samples(); }
  // Bytes of encoded label sets held, live and dead (for memory tests).
  std::size_t label_bytes() const { return labels_.size(); }

 private:
  // A series' labels as a delta against those of series `reference_id`.
  struct DeltaCache {
    bool valid = false;
    std::uint32_t reference_id = 0;
    wire::SnappyDelta ops;
  };
  using SeriesMark = wire::SnappyWriteRequestEncoder::SeriesMark;

  // One slot's current series and its encoded label set: what a sample
  // reads, in three cache lines (a sender walks the entries in order, and
  // with many series each line is a miss to prefetch). The slot is id %
  // slots_.
  struct alignas(64) CachedSeries {
    // The entry of the series chosen as reference (kNoReference: none).
    std::uint32_t reference = 0;
    std::uint32_t id = 0;
    std::uint32_t labels_size = 0;
    std::uint32_t labels_capacity = 0;  // Bytes reserved at labels_offset.
    // Series `mark_id` went in batch `mark_batch` where marks_[mark_index] says.
    std::uint32_t mark_id = 0;
    std::uint32_t mark_index = 0;
    std::size_t labels_offset = 0;  // In labels_.
    std::uint64_t mark_batch = 0;
    SeriesModel::SeriesRef ref;
    SeriesModel::ValueRecipe recipe;
    // The labels as a delta against the reference used last: the chosen
    // one, or (when that is not in the batch) the series added just before.
    DeltaCache delta;
  };

  // The index in entries_ of `series_id`'s entry, encoding its labels if the
  // slot is new or now holds another generation.
  std::size_t Lookup(std::uint32_t series_id);
  // The index in entries_ of `slot`'s entry, created (labels not yet
  // encoded) if there is none.
  [[gnu::noinline]] std::size_t FindOrInsert(std::uint32_t slot, std::uint32_t series_id);
  [[gnu::noinline]] void EncodeLabels(CachedSeries& entry);
  // Sets entry `i`'s reference from neighbours_, then enters its labels.
  // REQUIRES: EncodeLabels(entries_[i]) just ran (label_hashes_ are its).
  [[gnu::noinline]] void ChooseReference(std::size_t i);
  // True if entry `i` holds a series added in this batch that is still the
  // slot's series (so its mark describes its current labels).
  bool MarkedNow(std::size_t i) const {
    return entries_[i].mark_batch == batch_ && entries_[i].mark_id == entries_[i].id;
  }
  // Compiles `entry`'s labels as a delta against `reference`'s into `cache`.
  [[gnu::noinline]] void CompileDelta(const CachedSeries& entry, const CachedSeries& reference,
                                      DeltaCache& cache);
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
  // Per entry: its delta against the other of its two references, swapped
  // with CachedSeries::delta when the reference changes. A series near a
  // batch boundary alternates between the two when batches do not divide
  // the slots; neither is compiled again.
  std::vector<DeltaCache> spare_deltas_;
  std::size_t next_ = 0;
  static constexpr std::size_t kNoEntry = ~std::size_t{0};
  std::uint64_t batch_ = 1;          // Counts Reset()s.
  std::size_t previous_ = kNoEntry;  // The entry added last in this batch.
  // Lossy: for the hash of a label set without one of its labels, the
  // series whose labels were encoded last with that hash.
  struct Neighbour {
    std::uint64_t key = 0;
    std::uint32_t entry = 0;
    std::uint32_t id = 0;
    std::uint64_t order = 0;  // Larger: encoded later.
  };
  static constexpr std::uint32_t kNoReference = ~std::uint32_t{0};
  std::vector<Neighbour> neighbours_;
  std::uint64_t encodings_ = 0;
  // Where each series of this batch went, in the order added (marks_used_
  // of them); the vector keeps its size across batches.
  std::vector<SeriesMark> marks_;
  std::size_t marks_used_ = 0;
  // Open addressing with linear probing, size a power of two: entry index
  // + 1, or 0 when empty.
  std::vector<std::uint32_t> index_;
  std::string labels_;                       // Encoded label sets, back to back.
  std::size_t live_label_bytes_ = 0;         // Sum of the entries' labels_capacity.
  std::string scratch_;                      // One label set being encoded.
  std::vector<std::uint64_t> label_hashes_;  // Of each of its labels.
  CurveCache curves_;
  // Batches alternate between the two, so a body stays valid while the next
  // batch is built (the sender builds it while the body is in flight).
  std::array<wire::SnappyWriteRequestEncoder, 2> encoders_;
  unsigned current_ = 0;
};

}  // namespace obs::loadgen::internal
