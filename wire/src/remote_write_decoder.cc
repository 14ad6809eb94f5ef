// A hand-written protobuf reader for WriteRequest. Every read is bounds-checked
// against the end of the enclosing message, so arbitrary bytes can at worst
// produce an error. Errors are recorded once in `status_` and the parse
// functions return false up the stack; this keeps the success path free of
// Status construction.

#include <cstdint>
#include <limits>
#include <string>

#include "obs/wire/remote_write.h"

#include "proto_wire.h"
#include "utf8.h"

namespace obs::wire {
namespace {

using internal::WireType;

constexpr int kMaxGroupDepth = 64;

// A window [pos, end) of the input; offsets are absolute, for error messages.
struct Cursor {
  std::size_t pos = 0;
  std::size_t end = 0;
  bool done() const { return pos >= end; }
};

struct Tag {
  std::uint32_t field = 0;
  WireType type = WireType::kVarint;
  std::size_t at = 0;  // Offset of the tag, for error messages.
};

class Decoder {
 public:
  Decoder(std::string_view bytes, FlatWriteRequest& out)
      : data_(reinterpret_cast<const unsigned char*>(bytes.data())),
        size_(bytes.size()),
        out_(out) {}

  Status Run();

 private:
  [[gnu::noinline, gnu::cold]] bool Fail(std::string message);
  bool ReadVarint(Cursor& c, std::uint64_t& v);
  [[gnu::noinline]] bool ReadLongVarint(Cursor& c, std::uint64_t& v);
  bool ReadTag(Cursor& c, Tag& tag);
  [[gnu::noinline]] bool ReadLongTag(Cursor& c, Tag& tag);
  bool ReadLength(Cursor& c, Cursor& inner);
  bool Expect(const Tag& tag, WireType want, const char* what) {
    return tag.type == want || WrongWireType(tag, want, what);
  }
  [[gnu::noinline, gnu::cold]] bool WrongWireType(const Tag& tag, WireType want, const char* what);
  bool Skip(Cursor& c, const Tag& tag, int depth);
  bool SkipGroup(Cursor& c, const Tag& start, int depth);
  bool CheckFields(Cursor c);
  bool SkippedMessage(Cursor& c, const Tag& tag, const char* what, std::size_t& count);
  bool ParseSeries(Cursor c, std::size_t index, SeriesSpan& series);
  bool ParseLabel(Cursor c, std::size_t series, std::size_t index, LabelView& label);
  bool ParseCanonicalLabel(const Cursor& c, LabelView& label) const;
  bool ParseSample(Cursor c, Sample& sample);
  std::string_view View(const Cursor& c) const {
    return {reinterpret_cast<const char*>(data_ + c.pos), c.end - c.pos};
  }

  const unsigned char* data_;
  std::size_t size_;
  Status status_;
  FlatWriteRequest& out_;
};

bool Decoder::Fail(std::string message) {
  if (status_.ok()) {
    status_ = InvalidArgumentError("remote write: " + std::move(message));
  }
  return false;
}

bool Decoder::ReadVarint(Cursor& c, std::uint64_t& v) {
  if (c.pos < c.end && data_[c.pos] < 0x80) {  // One byte: tags, short lengths.
    v = data_[c.pos++];
    return true;
  }
  return ReadLongVarint(c, v);
}

bool Decoder::ReadLongVarint(Cursor& c, std::uint64_t& v) {
  const std::size_t start = c.pos;
  std::uint64_t result = 0;
  for (unsigned i = 0; i < internal::kMaxVarintBytes; ++i) {
    if (c.pos >= c.end) {
      return Fail("truncated varint at byte " + std::to_string(start));
    }
    const std::uint64_t b = data_[c.pos++];
    if (i == internal::kMaxVarintBytes - 1 && b > 1) {
      return Fail("varint overflows 64 bits at byte " + std::to_string(start));
    }
    result |= (b & 0x7FU) << (7 * i);
    if (b < 0x80) {
      v = result;
      return true;
    }
  }
  return false;  // Unreachable: the tenth byte either ends the varint or fails.
}

bool Decoder::ReadTag(Cursor& c, Tag& tag) {
  tag.at = c.pos;
  if (c.pos < c.end) {  // One-byte tags: fields 1 to 15 with a valid wire type.
    const unsigned raw = data_[c.pos];
    if (raw < 0x80 && (raw >> 3) != 0 && (raw & 7U) <= 5) {
      ++c.pos;
      tag.field = raw >> 3;
      tag.type = static_cast<WireType>(raw & 7U);
      return true;
    }
  }
  return ReadLongTag(c, tag);
}

bool Decoder::ReadLongTag(Cursor& c, Tag& tag) {
  std::uint64_t raw = 0;
  if (!ReadVarint(c, raw)) {
    return false;
  }
  const std::uint64_t type = raw & 7U;
  if (raw > 0xFFFFFFFFU || (raw >> 3) == 0) {
    return Fail("invalid field number at byte " + std::to_string(tag.at));
  }
  if (type > 5) {
    return Fail("invalid wire type " + std::to_string(type) + " at byte " + std::to_string(tag.at));
  }
  tag.field = static_cast<std::uint32_t>(raw >> 3);
  tag.type = static_cast<WireType>(type);
  return true;
}

bool Decoder::ReadLength(Cursor& c, Cursor& inner) {
  const std::size_t at = c.pos;
  std::uint64_t length = 0;
  if (!ReadVarint(c, length)) {
    return false;
  }
  if (length > c.end - c.pos) {
    return Fail("length " + std::to_string(length) + " at byte " + std::to_string(at) +
                " runs past the end of its message at byte " + std::to_string(c.end));
  }
  inner = Cursor{.pos = c.pos, .end = c.pos + static_cast<std::size_t>(length)};
  c.pos = inner.end;
  return true;
}

bool Decoder::WrongWireType(const Tag& tag, WireType want, const char* what) {
  return Fail(std::string(what) + " (field " + std::to_string(tag.field) + ") has wire type " +
              std::to_string(static_cast<int>(tag.type)) + ", want " +
              std::to_string(static_cast<int>(want)) + " at byte " + std::to_string(tag.at));
}

bool Decoder::Skip(Cursor& c, const Tag& tag, int depth) {
  std::uint64_t ignored = 0;
  Cursor inner;
  switch (tag.type) {
    case WireType::kVarint:
      return ReadVarint(c, ignored);
    case WireType::kLengthDelimited:
      return ReadLength(c, inner);
    case WireType::kStartGroup:
      return SkipGroup(c, tag, depth + 1);
    case WireType::kEndGroup:
      return Fail("unexpected end-group tag at byte " + std::to_string(tag.at));
    case WireType::kFixed64:
    case WireType::kFixed32: {
      const std::size_t n = tag.type == WireType::kFixed64 ? 8 : 4;
      if (c.end - c.pos < n) {
        return Fail("truncated fixed" + std::to_string(n * 8) + " at byte " +
                    std::to_string(c.pos));
      }
      c.pos += n;
      return true;
    }
  }
  return Fail("invalid wire type at byte " + std::to_string(tag.at));
}

bool Decoder::SkipGroup(Cursor& c, const Tag& start, int depth) {
  if (depth > kMaxGroupDepth) {
    return Fail("groups nested deeper than " + std::to_string(kMaxGroupDepth) + " at byte " +
                std::to_string(start.at));
  }
  while (!c.done()) {
    Tag tag;
    if (!ReadTag(c, tag)) {
      return false;
    }
    if (tag.type == WireType::kEndGroup) {
      if (tag.field != start.field) {
        return Fail("end-group tag at byte " + std::to_string(tag.at) +
                    " does not match the group at byte " + std::to_string(start.at));
      }
      return true;
    }
    if (!Skip(c, tag, depth)) {
      return false;
    }
  }
  return Fail("group at byte " + std::to_string(start.at) + " is not closed");
}

// Checks that `c` holds a well-formed sequence of fields without interpreting
// them, for the messages we skip (metadata, exemplars, histograms).
bool Decoder::CheckFields(Cursor c) {
  while (!c.done()) {
    Tag tag;
    if (!ReadTag(c, tag) || !Skip(c, tag, 0)) {
      return false;
    }
  }
  return true;
}

bool Decoder::SkippedMessage(Cursor& c, const Tag& tag, const char* what, std::size_t& count) {
  Cursor inner;
  if (!Expect(tag, WireType::kLengthDelimited, what) || !ReadLength(c, inner) ||
      !CheckFields(inner)) {
    return false;
  }
  ++count;
  return true;
}

Status Decoder::Run() {
  out_.Clear();
  if (size_ > std::numeric_limits<std::uint32_t>::max()) {
    // Flat indices are 32-bit; no receiver accepts such a body anyway.
    Fail("request of " + std::to_string(size_) + " bytes is larger than 4 GiB");
    return status_;
  }
  Cursor c{.pos = 0, .end = size_};
  while (!c.done()) {
    Tag tag;
    bool ok = ReadTag(c, tag);
    if (ok && tag.field == 1) {
      Cursor inner;
      ok = Expect(tag, WireType::kLengthDelimited, "timeseries") && ReadLength(c, inner);
      if (ok) {
        SeriesSpan& series = out_.series.emplace_back();
        series.label_begin = static_cast<std::uint32_t>(out_.labels.size());
        series.sample_begin = static_cast<std::uint32_t>(out_.samples.size());
        ok = ParseSeries(inner, out_.series.size() - 1, series);
        series.label_count = static_cast<std::uint32_t>(out_.labels.size()) - series.label_begin;
        series.sample_count = static_cast<std::uint32_t>(out_.samples.size()) - series.sample_begin;
      }
    } else if (ok && tag.field == 3) {
      ok = SkippedMessage(c, tag, "metadata", out_.metadata_count);
    } else if (ok) {
      ok = Skip(c, tag, 0);
    }
    if (!ok) {
      return status_;
    }
  }
  return Status::Ok();
}

bool Decoder::ParseSeries(Cursor c, std::size_t index, SeriesSpan& series) {
  while (!c.done()) {
    Tag tag;
    if (!ReadTag(c, tag)) {
      return false;
    }
    Cursor inner;
    bool ok = true;
    switch (tag.field) {
      case 1: {
        const std::size_t label_index = out_.labels.size() - series.label_begin;
        ok = Expect(tag, WireType::kLengthDelimited, "label") && ReadLength(c, inner) &&
             ParseLabel(inner, index, label_index, out_.labels.emplace_back());
        break;
      }
      case 2:
        ok = Expect(tag, WireType::kLengthDelimited, "sample") && ReadLength(c, inner) &&
             ParseSample(inner, out_.samples.emplace_back());
        break;
      case 3:
        ok = SkippedMessage(c, tag, "exemplar", out_.exemplar_count);
        break;
      case 4:
        ok = SkippedMessage(c, tag, "histogram", out_.histogram_count);
        break;
      default:
        ok = Skip(c, tag, 0);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool Decoder::ParseLabel(Cursor c, std::size_t series, std::size_t index, LabelView& label) {
  if (ParseCanonicalLabel(c, label)) {
    // Name, value tag, value length, value: the two bytes between the texts
    // are ASCII, so one pass over the span checks both texts.
    const std::string_view both(
        label.name.data(),
        static_cast<std::size_t>(label.value.data() + label.value.size() - label.name.data()));
    if (internal::IsValidUtf8(both)) {
      return true;
    }
    return Fail("label " + std::to_string(index) + " of series " + std::to_string(series) +
                " is not valid UTF-8");
  }
  while (!c.done()) {
    Tag tag;
    if (!ReadTag(c, tag)) {
      return false;
    }
    Cursor inner;
    if (tag.field == 1 || tag.field == 2) {
      if (!Expect(tag, WireType::kLengthDelimited, tag.field == 1 ? "label name" : "label value") ||
          !ReadLength(c, inner)) {
        return false;
      }
      // Every occurrence must be valid UTF-8, though the last one wins, as
      // protobuf does for repeated occurrences of a scalar.
      const std::string_view text = View(inner);
      if (!internal::IsValidUtf8(text)) {
        return Fail("label " + std::to_string(index) + " of series " + std::to_string(series) +
                    " is not valid UTF-8");
      }
      (tag.field == 1 ? label.name : label.value) = text;
    } else if (!Skip(c, tag, 0)) {
      return false;
    }
  }
  return true;
}

// The form every known sender writes: name, then value, each shorter than
// 128 bytes and non-empty. Anything else takes the general path; the result
// is the same either way.
bool Decoder::ParseCanonicalLabel(const Cursor& c, LabelView& label) const {
  const std::size_t size = c.end - c.pos;
  const unsigned char* p = data_ + c.pos;
  if (size < 4 || p[0] != 0x0A || p[1] >= 0x80 || size < std::size_t{p[1]} + 4) {
    return false;
  }
  const std::size_t name_size = p[1];
  const unsigned char* v = p + 2 + name_size;
  if (v[0] != 0x12 || v[1] >= 0x80 || 2 + name_size + 2 + v[1] != size) {
    return false;
  }
  label.name = {reinterpret_cast<const char*>(p + 2), name_size};
  label.value = {reinterpret_cast<const char*>(v + 2), v[1]};
  return true;
}

bool Decoder::ParseSample(Cursor c, Sample& sample) {
  while (!c.done()) {
    Tag tag;
    if (!ReadTag(c, tag)) {
      return false;
    }
    if (tag.field == 1) {
      if (!Expect(tag, WireType::kFixed64, "sample value")) {
        return false;
      }
      if (c.end - c.pos < 8) {
        return Fail("truncated sample value at byte " + std::to_string(c.pos));
      }
      sample.value = std::bit_cast<double>(internal::ReadFixed64(data_ + c.pos));
      c.pos += 8;
    } else if (tag.field == 2) {
      std::uint64_t ts = 0;
      if (!Expect(tag, WireType::kVarint, "sample timestamp") || !ReadVarint(c, ts)) {
        return false;
      }
      sample.timestamp_ms = static_cast<std::int64_t>(ts);
    } else if (!Skip(c, tag, 0)) {
      return false;
    }
  }
  return true;
}

}  // namespace

void FlatWriteRequest::Clear() {
  series.clear();
  labels.clear();
  samples.clear();
  histogram_count = 0;
  exemplar_count = 0;
  metadata_count = 0;
}

Status DecodeWriteRequestTo(std::string_view protobuf_bytes, FlatWriteRequest& out) {
  return Decoder(protobuf_bytes, out).Run();
}

Result<WriteRequestView> DecodeWriteRequest(std::string_view protobuf_bytes) {
  thread_local FlatWriteRequest flat;  // Reused; trimmed after outsized requests.
  struct TrimOnExit {
    FlatWriteRequest& f;
    ~TrimOnExit() {
      if (f.labels.capacity() > (1U << 20) || f.samples.capacity() > (1U << 20)) {
        f = FlatWriteRequest();
      }
    }
  } trim_on_exit{flat};
  OBS_RETURN_IF_ERROR(DecodeWriteRequestTo(protobuf_bytes, flat));
  WriteRequestView view;
  view.timeseries.resize(flat.series.size());
  for (std::size_t i = 0; i < flat.series.size(); ++i) {
    const SeriesSpan& span = flat.series[i];
    TimeSeriesView& ts = view.timeseries[i];
    ts.labels.assign(flat.labels_of(span), flat.labels_of(span) + span.label_count);
    ts.samples.assign(flat.samples_of(span), flat.samples_of(span) + span.sample_count);
  }
  view.sample_count = flat.samples.size();
  view.histogram_count = flat.histogram_count;
  view.exemplar_count = flat.exemplar_count;
  view.metadata_count = flat.metadata_count;
  return view;
}

void FlattenWriteRequest(const WriteRequestView& view, FlatWriteRequest& out) {
  out.Clear();
  for (const TimeSeriesView& ts : view.timeseries) {
    out.series.push_back(SeriesSpan{
        .label_begin = static_cast<std::uint32_t>(out.labels.size()),
        .label_count = static_cast<std::uint32_t>(ts.labels.size()),
        .sample_begin = static_cast<std::uint32_t>(out.samples.size()),
        .sample_count = static_cast<std::uint32_t>(ts.samples.size()),
    });
    out.labels.insert(out.labels.end(), ts.labels.begin(), ts.labels.end());
    out.samples.insert(out.samples.end(), ts.samples.begin(), ts.samples.end());
  }
  out.histogram_count = view.histogram_count;
  out.exemplar_count = view.exemplar_count;
  out.metadata_count = view.metadata_count;
}

}  // namespace obs::wire
