// The encoder writes each series straight into the request buffer. A series'
// length prefix is not known until it ends, so BeginSeries leaves room for a
// two-byte varint (bodies of 128 bytes to 16 KiB, the common scrape case) and
// EndSeries moves the body only when the real prefix has another size. No
// scratch copy is made on the common path. AddEncodedSeries knows every size
// up front (pre-encoded labels + one sample), so it writes the exact prefix.
//
// With Output::kSnappy the request is compressed 64 KiB at a time. Snappy's
// block compressor compresses each kBlockSize fragment of its input on its
// own (own hash table, no references across fragments) and writes the
// block's length varint, then the fragments' elements back to back. So
// compressing each fragment separately, dropping the per-call length varint,
// and writing the total length at the end gives the same bytes as one call
// on the whole request. (And any concatenation of element sequences is a
// valid block whatever the library version does, so a decoder never sees a
// difference.)

#include <snappy.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "obs/base/check.h"
#include "obs/wire/remote_write.h"

#include "proto_wire.h"

namespace obs::wire {
namespace {

using internal::TagByte;
using internal::VarintSize;
using internal::WireType;
using internal::WriteVarint;

// WriteRequest.timeseries = 1; TimeSeries.labels = 1, samples = 2;
// Label.name = 1, value = 2; Sample.value = 1 (fixed64), timestamp = 2 (varint).
constexpr char kTimeSeriesTag = TagByte(1, WireType::kLengthDelimited);
constexpr char kLabelTag = TagByte(1, WireType::kLengthDelimited);
constexpr char kSampleTag = TagByte(2, WireType::kLengthDelimited);
constexpr char kLabelNameTag = TagByte(1, WireType::kLengthDelimited);
constexpr char kLabelValueTag = TagByte(2, WireType::kLengthDelimited);
constexpr char kSampleValueTag = TagByte(1, WireType::kFixed64);
constexpr char kSampleTimestampTag = TagByte(2, WireType::kVarint);

constexpr std::size_t kSeriesLengthGuess = 2;

// Size of an optional string field: proto3 omits empty strings.
std::size_t StringFieldSize(std::string_view s) {
  return s.empty() ? 0 : 1 + VarintSize(s.size()) + s.size();
}

char* WriteStringField(char* p, char tag, std::string_view s) {
  if (s.empty()) {
    return p;
  }
  *p++ = tag;
  if (s.size() < 0x80) {  // The common case: a one-byte length.
    *p++ = static_cast<char>(s.size());
  } else {
    p = WriteVarint(p, s.size());
  }
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Size of a Sample message's body; at most 20, so its length is one byte.
std::size_t SampleBodySize(std::uint64_t value_bits, std::uint64_t ts) {
  return (value_bits != 0 ? 9 : 0) + (ts != 0 ? 1 + VarintSize(ts) : 0);
}

// Room WriteSample needs: tag, length, then both fields at their largest.
constexpr std::size_t kMaxSampleFieldSize = 2 + 9 + 1 + internal::kMaxVarintBytes;

// Writes one TimeSeries.samples field whose body is `body` bytes long.
// proto3 omits fields whose bits are zero (so -0.0 is written, 0.0 is not).
char* WriteSample(char* p, std::uint64_t value_bits, std::uint64_t ts, std::size_t body) {
  *p++ = kSampleTag;
  *p++ = static_cast<char>(body);
  if (value_bits != 0) {
    *p++ = kSampleValueTag;
    p = internal::WriteFixed64(p, value_bits);
  }
  if (ts != 0) {
    *p++ = kSampleTimestampTag;
    p = WriteVarint(p, ts);
  }
  return p;
}

// Writes one TimeSeries.labels field; `p` has room for LabelFieldMaxSize().
char* WriteLabel(char* p, std::string_view name, std::string_view value) {
  const std::size_t body = StringFieldSize(name) + StringFieldSize(value);
  *p++ = kLabelTag;
  p = WriteVarint(p, body);
  p = WriteStringField(p, kLabelNameTag, name);
  return WriteStringField(p, kLabelValueTag, value);
}

std::size_t LabelFieldMaxSize(std::string_view name, std::string_view value) {
  return 1 + internal::kMaxVarintBytes + StringFieldSize(name) + StringFieldSize(value);
}

}  // namespace

double StaleNaN() {
  return std::bit_cast<double>(kStaleNaNBits);
}

bool IsStaleNaN(double v) {
  return std::bit_cast<std::uint64_t>(v) == kStaleNaNBits;
}

WriteRequestEncoder::WriteRequestEncoder(Output output)
    : output_(output),
      flush_at_(output == Output::kSnappy ? snappy::kBlockSize : static_cast<std::size_t>(-1)) {
  Reset();
}

char* WriteRequestEncoder::Buffer::Grow(std::size_t n) {
  bytes.resize(std::max({bytes.size() * 2, size + n, std::size_t{4096}}));
  return bytes.data() + size;
}

void WriteRequestEncoder::Reset() {
  request_.size = 0;
  if (output_ == Output::kSnappy) {
    compressed_.Reserve(internal::kMaxVarintBytes);
    compressed_.size = internal::kMaxVarintBytes;
  }
  flushed_ = 0;
  finished_view_ = {};
  series_start_ = 0;
  in_series_ = false;
  finished_ = false;
  series_count_ = 0;
  sample_count_ = 0;
}

void WriteRequestEncoder::BeginSeries() {
  OBS_CHECK(!in_series_) << "BeginSeries inside a series";
  OBS_CHECK(!finished_) << "BeginSeries after Finish without Reset";
  char* p = request_.Reserve(1 + kSeriesLengthGuess);
  *p = kTimeSeriesTag;
  request_.size += 1 + kSeriesLengthGuess;
  series_start_ = request_.size;
  in_series_ = true;
}

void WriteRequestEncoder::AddLabel(std::string_view name, std::string_view value) {
  OBS_CHECK(in_series_) << "AddLabel outside a series";
  char* const start = request_.Reserve(LabelFieldMaxSize(name, value));
  request_.size += static_cast<std::size_t>(WriteLabel(start, name, value) - start);
}

void WriteRequestEncoder::EncodeLabel(std::string_view name, std::string_view value,
                                      std::string& out) {
  const std::size_t old_size = out.size();
  out.resize(old_size + LabelFieldMaxSize(name, value));
  char* const start = out.data() + old_size;
  out.resize(old_size + static_cast<std::size_t>(WriteLabel(start, name, value) - start));
}

void WriteRequestEncoder::AddSample(double value, std::int64_t timestamp_ms) {
  OBS_CHECK(in_series_) << "AddSample outside a series";
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const auto ts = static_cast<std::uint64_t>(timestamp_ms);
  char* const start = request_.Reserve(kMaxSampleFieldSize);
  char* const end = WriteSample(start, bits, ts, SampleBodySize(bits, ts));
  request_.size += static_cast<std::size_t>(end - start);
  ++sample_count_;
}

void internal::TimestampField::Encode(std::int64_t timestamp_ms) {
  const auto ts = static_cast<std::uint64_t>(timestamp_ms);
  char* p = bytes_;
  if (ts != 0) {  // proto3 omits a zero timestamp.
    *p++ = kSampleTimestampTag;
    p = WriteVarint(p, ts);
  }
  timestamp_ms_ = timestamp_ms;
  size_ = static_cast<std::size_t>(p - bytes_);
}

void WriteRequestEncoder::AddEncodedSeries(std::string_view encoded_labels, double value,
                                           std::int64_t timestamp_ms) {
  OBS_CHECK(!in_series_ && !finished_) << "AddEncodedSeries inside a series or after Finish";
  ts_field_.Set(timestamp_ms);
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const std::size_t sample_body = (bits != 0 ? 9 : 0) + ts_field_.size();
  // Every size is known up front, so the length prefix is written once.
  const std::size_t body = encoded_labels.size() + 2 + sample_body;
  // The timestamp field is copied as a whole array; the tail past its size
  // is overwritten by what follows.
  char* const start =
      request_.Reserve(1 + internal::kMaxVarintBytes + body + internal::TimestampField::kCapacity);
  char* p = start;
  *p++ = kTimeSeriesTag;
  p = WriteVarint(p, body);
  p = internal::WriteBytes(p, encoded_labels.data(), encoded_labels.size());
  *p++ = kSampleTag;
  *p++ = static_cast<char>(sample_body);
  if (bits != 0) {  // proto3 omits a value whose bits are zero (+0.0).
    *p++ = kSampleValueTag;
    p = internal::WriteFixed64(p, bits);
  }
  std::memcpy(p, ts_field_.data(), internal::TimestampField::kCapacity);
  p += ts_field_.size();
  request_.size += static_cast<std::size_t>(p - start);
  ++series_count_;
  ++sample_count_;
  if (request_.size >= flush_at_) {
    FlushFragments();
  }
}

void WriteRequestEncoder::EndSeries() {
  OBS_CHECK(in_series_) << "EndSeries outside a series";
  const std::size_t body = request_.size - series_start_;
  const std::size_t prefix = VarintSize(body);
  if (prefix > kSeriesLengthGuess) {
    request_.Reserve(prefix - kSeriesLengthGuess);
  }
  char* const length_at = request_.bytes.data() + series_start_ - kSeriesLengthGuess;
  if (prefix != kSeriesLengthGuess) {
    std::memmove(length_at + prefix, length_at + kSeriesLengthGuess, body);
  }
  WriteVarint(length_at, body);
  request_.size = series_start_ - kSeriesLengthGuess + prefix + body;
  in_series_ = false;
  ++series_count_;
  if (request_.size >= flush_at_) {
    FlushFragments();
  }
}

void WriteRequestEncoder::FlushFragments() {
  std::size_t done = 0;
  while (request_.size - done >= snappy::kBlockSize) {
    CompressFragment(request_.bytes.data() + done, snappy::kBlockSize);
    done += snappy::kBlockSize;
  }
  // What is left is less than a fragment: usually part of one series.
  std::memmove(request_.bytes.data(), request_.bytes.data() + done, request_.size - done);
  request_.size -= done;
  flushed_ += done;
}

void WriteRequestEncoder::CompressFragment(const char* data, std::size_t n) {
  // RawCompress writes a length varint and then the elements. Let it write
  // the varint over the last bytes already in the buffer (the headroom for
  // the first fragment), then put those bytes back: the elements land right
  // after what came before, with no copy.
  const std::size_t varint = VarintSize(n);
  char* const at = compressed_.Reserve(snappy::MaxCompressedLength(n)) - varint;
  char saved[internal::kMaxVarintBytes];
  std::memcpy(saved, at, varint);
  std::size_t written = 0;
  snappy::RawCompress(data, n, at, &written);
  std::memcpy(at, saved, varint);
  compressed_.size += written - varint;
}

std::string_view WriteRequestEncoder::Finish() {
  OBS_CHECK(!in_series_) << "Finish inside a series";
  if (output_ == Output::kProtobuf) {
    finished_ = true;
    return {request_.bytes.data(), request_.size};
  }
  if (!finished_) {
    finished_ = true;
    if (request_.size > 0) {
      CompressFragment(request_.bytes.data(), request_.size);
    }
    const std::size_t total = flushed_ + request_.size;
    const std::size_t start = internal::kMaxVarintBytes - VarintSize(total);
    WriteVarint(compressed_.bytes.data() + start, total);
    finished_view_ = {compressed_.bytes.data() + start, compressed_.size - start};
  }
  return finished_view_;
}

void SnappyWriteRequestEncoder::Reset() {
  block_.Reset();
  series_count_ = 0;
}

void SnappyWriteRequestEncoder::AddEncodedSeries(std::string_view encoded_labels,
                                                 const SnappyDelta* delta,
                                                 const SeriesMark* reference, double value,
                                                 std::int64_t timestamp_ms, SeriesMark& mark) {
  OBS_CHECK((delta == nullptr) == (reference == nullptr)) << "a delta needs its reference";
  ts_field_.Set(timestamp_ms);
  const std::size_t ts_size = ts_field_.size();
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const std::size_t sample_body = (bits != 0 ? 9 : 0) + ts_size;

  // The tag and length: a copy of the reference's when they are equal and
  // the labels begin as a copy of the reference's labels (the two copies
  // then have one offset, so they are one element).
  mark.body = encoded_labels.size() + 2 + sample_body;
  mark.head_at = block_.uncompressed_size();
  char head[1 + internal::kMaxVarintBytes];
  head[0] = kTimeSeriesTag;
  const auto head_size = static_cast<std::size_t>(WriteVarint(head + 1, mark.body) - head);
  if (reference != nullptr && mark.body == reference->body && delta->starts_with_reference()) {
    block_.AppendCopy(mark.head_at - reference->head_at, head_size);
  } else {
    block_.AppendLiteral(head, head_size);
  }

  mark.labels_at = block_.uncompressed_size();
  if (reference != nullptr) {
    block_.AppendDelta(*delta, mark.labels_at - reference->labels_at);
  } else {
    CompileSnappyDelta({}, encoded_labels, own_);
    block_.AppendDelta(own_, 0);
  }

  // The Sample field: tag, length, [value tag, 8 value bytes], [timestamp
  // field]. What it shares with the reference's at its front (the tags and
  // the zero low bytes of a whole-number double) and at its back (the
  // timestamp and the value's high bytes) are copies. Worked out from the
  // numbers rather than the bytes just written: reading those back would
  // stall on the stores.
  char sample[2 + 9 + internal::TimestampField::kCapacity];
  char* p = sample;
  *p++ = kSampleTag;
  *p++ = static_cast<char>(sample_body);
  if (bits != 0) {  // proto3 omits a value whose bits are zero (+0.0).
    *p++ = kSampleValueTag;
    p = internal::WriteFixed64(p, bits);
  }
  std::memcpy(p, ts_field_.data(), ts_size);
  const std::size_t size = static_cast<std::size_t>(p - sample) + ts_size;
  mark.sample_at = block_.uncompressed_size();
  mark.sample_size = size;
  mark.value_bits = bits;
  mark.timestamp_ms = timestamp_ms;
  std::size_t front = 0;
  std::size_t back = 0;
  if (reference != nullptr && size == reference->sample_size) {
    const std::uint64_t differ = bits ^ reference->value_bits;
    const bool same_ts = timestamp_ms == reference->timestamp_ms;
    if (bits != 0 && reference->value_bits != 0) {  // Both carry a value.
      if (differ == 0) {
        front = same_ts ? size : 3 + 8 + (ts_size != 0 ? 1 : 0);
      } else {
        front = 3 + static_cast<std::size_t>(std::countr_zero(differ)) / 8;
        back = same_ts ? ts_size + static_cast<std::size_t>(std::countl_zero(differ)) / 8 : 0;
      }
    } else if (bits == 0 && reference->value_bits == 0) {
      front = same_ts ? size : 2 + (ts_size != 0 ? 1 : 0);
    } else if (same_ts) {
      back = ts_size;
    }
  } else if (reference != nullptr && timestamp_ms == reference->timestamp_ms) {
    back = ts_size;  // Only one of the two carries a value.
  }
  const std::size_t front_offset =
      mark.sample_at - (reference != nullptr ? reference->sample_at : 0);
  std::size_t literal_from = 0;
  if (front >= 4 || (front > 0 && block_.open_copy_offset() == front_offset)) {
    block_.AppendCopy(front_offset, front);
    literal_from = front;
  }
  const std::size_t literal_to = back >= 4 ? size - back : size;
  block_.AppendLiteral(sample + literal_from, literal_to - literal_from);
  if (literal_to < size) {
    block_.AppendCopy(mark.sample_at + size - (reference->sample_at + reference->sample_size),
                      size - literal_to);
  }
  ++series_count_;
}

std::string_view SnappyWriteRequestEncoder::Finish() {
  return block_.Finish();
}

}  // namespace obs::wire
