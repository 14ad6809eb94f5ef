// A small generic protobuf reader and writer for the message-shaped codecs
// (OTLP, Loki push). Remote write keeps its own tuned decoder; both share the
// primitives in proto_wire.h.
//
// ProtoReader walks the fields of one message: Next() reads a tag and its
// value (varint, fixed32/64, or a length-delimited view into the input),
// skips groups, and bounds-checks everything. Errors are reported through the
// Status the reader was given, naming the byte offset; Next() then returns
// false. Callers loop `while (r.Next(f)) switch (f.number) ...` and check the
// status after the loop.
//
// ProtoWriter appends canonical protobuf to a std::string: fields in the
// order the caller writes them (callers write in field-number order),
// defaults omitted by the *If* methods, and nested messages measured after
// the fact: a one-byte length is reserved and the body moved when it turns
// out longer than 127 bytes.
//
// Thread safety: a reader or writer is used by one thread.

#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "obs/base/status.h"

#include "proto_wire.h"

namespace obs::wire::internal {

struct ProtoField {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t varint = 0;  // kVarint; also fixed32/fixed64 values.
  std::string_view bytes{};  // kLengthDelimited.
  std::size_t offset = 0;    // Absolute offset of the tag in the outermost input.
};

class ProtoReader {
 public:
  // `base` is the absolute offset of `data` in the outermost input (for
  // messages). `status` must outlive the reader; the first error wins.
  ProtoReader(std::string_view data, std::size_t base, Status* status)
      : data_(data), base_(base), status_(status) {}

  // A reader over a nested message field.
  ProtoReader Sub(const ProtoField& f) const {
    return ProtoReader(f.bytes, static_cast<std::size_t>(f.bytes.data() - data_.data()) + base_,
                       status_);
  }

  bool Next(ProtoField& f);

  // Records "<what>: wrong wire type" and returns false unless f.type == want.
  bool Want(const ProtoField& f, WireType want, std::string_view what);
  bool Fail(std::string_view what, std::size_t offset, std::string_view problem);

  bool ok() const { return status_->ok(); }

 private:
  bool ReadVarint(std::uint64_t& v);
  bool SkipGroup(std::uint32_t number, int depth);

  std::string_view data_;
  std::size_t pos_ = 0;
  std::size_t base_ = 0;
  Status* status_;
};

// Decodes a packed or unpacked repeated scalar field element by element.
// `fn(std::uint64_t)` receives each value (fixed64 raw bits for kFixed64).
template <typename Fn>
bool ForEachPacked(ProtoReader& r, const ProtoField& f, WireType element, std::string_view what,
                   Fn fn) {
  if (f.type != WireType::kLengthDelimited) {
    if (!r.Want(f, element, what)) {
      return false;
    }
    fn(f.varint);
    return true;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(f.bytes.data());
  const auto* end = p + f.bytes.size();
  while (p < end) {
    std::uint64_t v = 0;
    if (element == WireType::kFixed64) {
      if (end - p < 8) {
        return r.Fail(what, f.offset, "truncated packed fixed64");
      }
      v = ReadFixed64(p);
      p += 8;
    } else if (element == WireType::kFixed32) {
      if (end - p < 4) {
        return r.Fail(what, f.offset, "truncated packed fixed32");
      }
      std::uint32_t w = 0;
      std::memcpy(&w, p, 4);
      v = w;
      p += 4;
    } else {
      unsigned shift = 0;
      while (true) {
        if (p == end || shift > 63) {
          return r.Fail(what, f.offset, "malformed packed varint");
        }
        const std::uint64_t b = *p++;
        v |= (b & 0x7FU) << shift;
        shift += 7;
        if (b < 0x80) {
          break;
        }
      }
    }
    fn(v);
  }
  return true;
}

class ProtoWriter {
 public:
  explicit ProtoWriter(std::string& out) : out_(out) {}

  void Tag(std::uint32_t field, WireType type) {
    PutVarint((std::uint64_t{field} << 3) | static_cast<std::uint32_t>(type));
  }
  void Varint(std::uint32_t field, std::uint64_t v) {
    Tag(field, WireType::kVarint);
    PutVarint(v);
  }
  void VarintIf(std::uint32_t field, std::uint64_t v) {
    if (v != 0) {
      Varint(field, v);
    }
  }
  void Fixed64(std::uint32_t field, std::uint64_t v) {
    Tag(field, WireType::kFixed64);
    char buf[8];
    WriteFixed64(buf, v);
    out_.append(buf, 8);
  }
  void Fixed64If(std::uint32_t field, std::uint64_t v) {
    if (v != 0) {
      Fixed64(field, v);
    }
  }
  void Fixed32(std::uint32_t field, std::uint32_t v) {
    Tag(field, WireType::kFixed32);
    char buf[4];
    for (int i = 0; i < 4; ++i) {
      buf[i] = static_cast<char>(v >> (8 * i));
    }
    out_.append(buf, 4);
  }
  void Fixed32If(std::uint32_t field, std::uint32_t v) {
    if (v != 0) {
      Fixed32(field, v);
    }
  }
  void Double(std::uint32_t field, double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    Fixed64(field, bits);
  }
  void Bytes(std::uint32_t field, std::string_view v) {
    Tag(field, WireType::kLengthDelimited);
    PutVarint(v.size());
    out_.append(v);
  }
  void BytesIf(std::uint32_t field, std::string_view v) {
    if (!v.empty()) {
      Bytes(field, v);
    }
  }

  // Opens a nested message; returns the mark EndMessage() needs.
  std::size_t BeginMessage(std::uint32_t field) {
    Tag(field, WireType::kLengthDelimited);
    out_.push_back('\0');
    return out_.size();
  }
  void EndMessage(std::size_t mark) {
    const std::size_t length = out_.size() - mark;
    if (length < 0x80) {
      out_[mark - 1] = static_cast<char>(length);
      return;
    }
    char buf[kMaxVarintBytes];
    const std::size_t n = static_cast<std::size_t>(WriteVarint(buf, length) - buf);
    out_.insert(mark - 1, n - 1, '\0');
    std::memcpy(out_.data() + mark - 1, buf, n);
  }

 private:
  void PutVarint(std::uint64_t v) {
    char buf[kMaxVarintBytes];
    out_.append(buf, static_cast<std::size_t>(WriteVarint(buf, v) - buf));
  }

  std::string& out_;
};

}  // namespace obs::wire::internal
