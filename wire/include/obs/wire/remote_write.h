// Prometheus remote write 1.0 in protobuf form, shared by the load generator
// (which encodes on its hot path) and the reference backend (which decodes).
// The codec is hand-written from the published field numbers (docs/wire.md);
// no protobuf runtime is involved, so neither caller links protobuf.
//
// `WriteRequestEncoder` streams a WriteRequest into a buffer it owns and
// reuses: after warm-up, encoding a request does no allocation at all. A
// label set encoded once (`EncodeLabel`) can be replayed per sample
// (`AddEncodedSeries`), so a sender pays for its label strings only once.
// `DecodeWriteRequest` is the receiver side: it validates arbitrary bytes and
// returns views into them without copying label strings;
// `DecodeWriteRequestTo` does the same into a reusable flat form.
//
// Thread safety: an encoder is used by one thread at a time; distinct
// encoders are independent. `DecodeWriteRequest` is a pure function.
//
// Invariant: encoder output is canonical protobuf, byte-identical to what the
// protobuf runtime serializes for the same message (default-valued scalar
// fields omitted, fields in field-number order).

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"
#include "obs/wire/snappy_writer.h"

namespace obs::wire {

// The HTTP headers every remote write 1.0 request carries (spec §2a).
inline constexpr std::string_view kRemoteWriteContentType = "application/x-protobuf";
inline constexpr std::string_view kRemoteWriteEncoding = "snappy";
inline constexpr std::string_view kRemoteWriteVersionHeader = "X-Prometheus-Remote-Write-Version";
inline constexpr std::string_view kRemoteWriteVersion = "0.1.0";

// The one NaN that marks a series as stale; no other use is allowed.
inline constexpr std::uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;

// The stale marker as a double. Compare with `IsStaleNaN`, never with `==`.
double StaleNaN();

// True iff the bits of `v` are exactly `kStaleNaNBits` (other NaNs are not).
bool IsStaleNaN(double v);

struct Label {
  std::string name;
  std::string value;
};

struct Sample {
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

namespace internal {

// The Sample.timestamp field of the last timestamp set: in a batch most
// samples share one, so its varint is encoded once. Starts as the (omitted,
// empty) field of timestamp 0. Shared by the two encoders below.
class TimestampField {
 public:
  static constexpr std::size_t kCapacity = 16;  // Tag and varint, with slack.
  void Set(std::int64_t timestamp_ms) {
    if (timestamp_ms != timestamp_ms_) {
      Encode(timestamp_ms);
    }
  }
  std::int64_t timestamp_ms() const { return timestamp_ms_; }
  // The field's bytes; kCapacity of them may be read.
  const char* data() const { return bytes_; }
  std::size_t size() const { return size_; }

 private:
  void Encode(std::int64_t timestamp_ms);

  std::int64_t timestamp_ms_ = 0;
  std::size_t size_ = 0;
  char bytes_[kCapacity] = {};
};

}  // namespace internal

// Streaming encoder for one WriteRequest at a time. Usage:
//
//   encoder.Reset();
//   for each series {
//     encoder.BeginSeries();
//     encoder.AddLabel(name, value);   // ... sorted by name, as the spec requires
//     encoder.AddSample(value, ts);    // ... in timestamp order
//     encoder.EndSeries();
//   }
//   std::string_view body = encoder.Finish();
//
// The encoder does not check label order, duplicates or empty names: it is a
// codec, not a validator (the backend validates what it receives). Calls out
// of order (AddLabel outside a series, Finish inside one) are bugs and abort.
class WriteRequestEncoder {
 public:
  // What Finish() returns.
  enum class Output {
    kProtobuf,  // The WriteRequest's protobuf bytes.
    // The same bytes as one snappy block, the remote write body: byte for
    // byte SnappyCompress(<kProtobuf output>). Snappy compresses 64 KiB
    // fragments independently, so the encoder compresses each fragment as
    // soon as it is complete, while it is still in cache, and keeps only
    // the unfinished one uncompressed.
    kSnappy,
  };

  explicit WriteRequestEncoder(Output output = Output::kProtobuf);

  // Starts a new request; keeps the buffers' capacity.
  void Reset();

  // REQUIRES: no series is open.
  void BeginSeries();

  // Appends one label to the open series. Empty strings are omitted from the
  // wire form, as the protobuf runtime does. REQUIRES: a series is open.
  void AddLabel(std::string_view name, std::string_view value);

  // Appends one sample to the open series; NaN payload bits (StaleNaN) are
  // preserved exactly. REQUIRES: a series is open.
  void AddSample(double value, std::int64_t timestamp_ms);

  // Closes the open series and appends it to the request.
  // REQUIRES: a series is open.
  void EndSeries();

  // Appends the wire form of one label, byte for byte what AddLabel writes,
  // to `out` (which keeps its earlier contents). A sender that repeats a
  // label set in every request encodes it once with this and passes the
  // concatenation to AddEncodedSeries.
  static void EncodeLabel(std::string_view name, std::string_view value, std::string& out);

  // Appends one whole series with one sample: the same bytes as BeginSeries,
  // AddLabel per label, AddSample and EndSeries. `encoded_labels` is copied
  // verbatim and must be a concatenation of EncodeLabel outputs (or empty).
  // REQUIRES: no series is open.
  void AddEncodedSeries(std::string_view encoded_labels, double value, std::int64_t timestamp_ms);

  // The encoded WriteRequest, in the form the constructor chose. The view
  // stays valid until the next `Reset()` or until the encoder is destroyed;
  // more series may not be added after it. REQUIRES: no series is open.
  std::string_view Finish();

  // Series ended and samples added since the last `Reset()`.
  std::size_t series() const { return series_count_; }
  std::size_t samples() const { return sample_count_; }

 private:
  // A byte buffer with a separate fill level, so appends write through a raw
  // pointer and capacity is kept across requests.
  struct Buffer {
    std::string bytes;
    std::size_t size = 0;
    // Room for `n` more bytes at `bytes.data() + size`.
    char* Reserve(std::size_t n) {
      return bytes.size() - size >= n ? bytes.data() + size : Grow(n);
    }
    char* Grow(std::size_t n);
  };

  // kSnappy: compresses every complete fragment at the front of `request_`
  // into `compressed_` and drops it from `request_`.
  void FlushFragments();
  // kSnappy: appends the snappy elements of `n` bytes at `data` (one
  // fragment) to `compressed_`.
  void CompressFragment(const char* data, std::size_t n);

  Output output_;
  // request_.size at which a series end flushes fragments: the fragment
  // size with kSnappy, never with kProtobuf.
  std::size_t flush_at_;
  Buffer request_;
  // kSnappy: the block's elements after kMaxVarintBytes of headroom, where
  // Finish() writes the block's length varint right-aligned.
  Buffer compressed_;
  std::size_t flushed_ = 0;  // Uncompressed bytes already in compressed_.
  std::string_view finished_view_;
  internal::TimestampField ts_field_;  // Of the last AddEncodedSeries.
  std::size_t series_start_ = 0;       // Offset of the open series' body in `request_`.
  bool in_series_ = false;
  bool finished_ = false;
  std::size_t series_count_ = 0;
  std::size_t sample_count_ = 0;
};

// Writes a WriteRequest of one-sample series straight into a snappy block,
// with no match finder (snappy_writer.h). A series is written against a
// reference: an earlier series of the same request that the caller expects
// to resemble it (the same metric on the previous instance, or just the
// series before). Its label bytes go in as a SnappyDelta against the
// reference's, which the caller compiles once and replays in every request
// where the two meet; its tag and length, and the front and back of its
// Sample field (tags, the zero low bytes of a whole-number double, the
// timestamp), are copies of the reference's where they are equal. The block
// decompresses to byte for byte what WriteRequestEncoder writes for the same
// AddEncodedSeries calls (canonical protobuf); only its elements differ from
// those of snappy's own compressor. Buffers are reused: after warm-up a
// request costs no allocation.
class SnappyWriteRequestEncoder {
 public:
  // Where a series went in the request, for series that use it as their
  // reference. Valid until the next Reset().
  struct SeriesMark {
    std::size_t head_at = 0;  // Uncompressed offsets of its parts.
    std::size_t labels_at = 0;
    std::size_t sample_at = 0;
    std::size_t body = 0;         // The TimeSeries' length.
    std::size_t sample_size = 0;  // The Sample field's, with tag and length.
    std::uint64_t value_bits = 0;
    std::int64_t timestamp_ms = 0;
  };

  SnappyWriteRequestEncoder() = default;

  // Starts a new request; keeps the buffers' capacity.
  void Reset();

  // Appends one series with one sample, as WriteRequestEncoder's
  // AddEncodedSeries does, and fills `mark`. `reference` is the mark of a
  // series added earlier in this request and `delta` is
  // CompileSnappyDelta(<that series' encoded labels>, `encoded_labels`); or
  // both are null (the labels are then compressed on their own). With a
  // delta, `encoded_labels` is not read, only its size.
  void AddEncodedSeries(std::string_view encoded_labels, const SnappyDelta* delta,
                        const SeriesMark* reference, double value, std::int64_t timestamp_ms,
                        SeriesMark& mark);

  // The snappy block. Valid until the next Reset(); more series may not be
  // added after it.
  std::string_view Finish();

  std::size_t series() const { return series_count_; }
  std::size_t samples() const { return series_count_; }
  // The protobuf bytes the block decompresses to.
  std::size_t uncompressed_bytes() const { return block_.uncompressed_size(); }

 private:
  SnappyBlockWriter block_;
  SnappyDelta own_;  // Labels compressed on their own.
  std::size_t series_count_ = 0;
  internal::TimestampField ts_field_;
};

// Zero-copy decoded form: every string_view points into the buffer given to
// `DecodeWriteRequest`, which the caller keeps alive while the view is used.
struct LabelView {
  std::string_view name;
  std::string_view value;
};

struct TimeSeriesView {
  std::vector<LabelView> labels;
  std::vector<Sample> samples;
};

struct WriteRequestView {
  std::vector<TimeSeriesView> timeseries;
  std::size_t sample_count = 0;     // Sum of samples over `timeseries`.
  std::size_t histogram_count = 0;  // Native histograms seen (and skipped).
  std::size_t exemplar_count = 0;   // Exemplars seen (and skipped).
  std::size_t metadata_count = 0;   // MetricMetadata entries seen (and skipped).
};

// The same request in flat form, for receivers on a hot path: all labels of
// all series in one vector, all samples in another, and per series the
// ranges into them. Decoding into an object that is reused keeps the
// vectors' capacity, so after warm-up a decode allocates nothing. Views
// point into the decoded buffer, as in `WriteRequestView`.
struct SeriesSpan {
  std::uint32_t label_begin = 0;  // Index into FlatWriteRequest::labels.
  std::uint32_t label_count = 0;
  std::uint32_t sample_begin = 0;  // Index into FlatWriteRequest::samples.
  std::uint32_t sample_count = 0;
};

struct FlatWriteRequest {
  std::vector<SeriesSpan> series;
  std::vector<LabelView> labels;
  std::vector<Sample> samples;
  std::size_t histogram_count = 0;  // Native histograms seen (and skipped).
  std::size_t exemplar_count = 0;   // Exemplars seen (and skipped).
  std::size_t metadata_count = 0;   // MetricMetadata entries seen (and skipped).

  // Empties the request, keeping the capacity.
  void Clear();
  const LabelView* labels_of(const SeriesSpan& s) const { return labels.data() + s.label_begin; }
  const Sample* samples_of(const SeriesSpan& s) const { return samples.data() + s.sample_begin; }
};

// Decodes a WriteRequest from protobuf bytes (already snappy-decompressed).
//
// Returns the request on success. Returns kInvalidArgument, with a message
// that starts with "remote write: " and names the byte offset or the series
// and label, for any malformed input: truncated or overlong varints, lengths
// past the end, invalid tags or wire types (including a known field sent with
// the wrong wire type, which Prometheus' own receiver also rejects), and label
// names or values that are not valid UTF-8. Unknown fields are skipped per the
// protobuf rules (groups included, nested at most 64 deep); metadata,
// exemplars and native histograms are skipped and counted. It does not check
// remote write semantics (sorted labels, `__name__`); that is the receiver's
// business. Never reads outside `protobuf_bytes`, whatever they hold.
Result<WriteRequestView> DecodeWriteRequest(std::string_view protobuf_bytes);

// The same decoder writing the flat form into `out`, which it clears first
// and whose capacity it reuses. Accepts and rejects exactly what
// `DecodeWriteRequest` does, with the same messages; on error `out` holds
// an unspecified prefix of the request.
Status DecodeWriteRequestTo(std::string_view protobuf_bytes, FlatWriteRequest& out);

// Copies a `WriteRequestView` into the flat form (views are copied, not the
// strings), replacing the contents of `out`.
void FlattenWriteRequest(const WriteRequestView& view, FlatWriteRequest& out);

}  // namespace obs::wire
