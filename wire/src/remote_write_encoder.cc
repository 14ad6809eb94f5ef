// The encoder writes each series straight into the request buffer. A series'
// length prefix is not known until it ends, so BeginSeries leaves room for a
// two-byte varint (bodies of 128 bytes to 16 KiB, the common scrape case) and
// EndSeries moves the body only when the real prefix has another size. No
// scratch copy is made on the common path.

#include <algorithm>
#include <bit>
#include <cstring>

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

}  // namespace

double StaleNaN() {
  return std::bit_cast<double>(kStaleNaNBits);
}

bool IsStaleNaN(double v) {
  return std::bit_cast<std::uint64_t>(v) == kStaleNaNBits;
}

char* WriteRequestEncoder::Buffer::Grow(std::size_t n) {
  bytes.resize(std::max({bytes.size() * 2, size + n, std::size_t{4096}}));
  return bytes.data() + size;
}

void WriteRequestEncoder::Reset() {
  request_.size = 0;
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
  const std::size_t body = StringFieldSize(name) + StringFieldSize(value);
  char* const start = request_.Reserve(1 + internal::kMaxVarintBytes + body);
  char* p = start;
  *p++ = kLabelTag;
  p = WriteVarint(p, body);
  p = WriteStringField(p, kLabelNameTag, name);
  p = WriteStringField(p, kLabelValueTag, value);
  request_.size += static_cast<std::size_t>(p - start);
}

void WriteRequestEncoder::AddSample(double value, std::int64_t timestamp_ms) {
  OBS_CHECK(in_series_) << "AddSample outside a series";
  // proto3 omits fields whose bits are zero (so -0.0 is written, 0.0 is not).
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const auto ts = static_cast<std::uint64_t>(timestamp_ms);
  const std::size_t body = (bits != 0 ? 9 : 0) + (ts != 0 ? 1 + VarintSize(ts) : 0);
  char* const start = request_.Reserve(2 + 9 + 1 + internal::kMaxVarintBytes);
  char* p = start;
  *p++ = kSampleTag;
  *p++ = static_cast<char>(body);  // At most 20, a one-byte varint.
  if (bits != 0) {
    *p++ = kSampleValueTag;
    p = internal::WriteFixed64(p, bits);
  }
  if (ts != 0) {
    *p++ = kSampleTimestampTag;
    p = WriteVarint(p, ts);
  }
  request_.size += static_cast<std::size_t>(p - start);
  ++sample_count_;
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
}

std::string_view WriteRequestEncoder::Finish() {
  OBS_CHECK(!in_series_) << "Finish inside a series";
  finished_ = true;
  return {request_.bytes.data(), request_.size};
}

}  // namespace obs::wire
