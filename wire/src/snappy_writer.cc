#include "obs/wire/snappy_writer.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "obs/base/check.h"

#include "proto_wire.h"

namespace obs::wire {
namespace {

constexpr std::size_t kHeadroom = 5;  // The largest varint32: the block's length.
constexpr std::size_t kMaxCopy = 64;  // The longest copy element.
constexpr std::size_t kMinMatch = 4;  // Shorter copies save nothing.
constexpr int kHashBits = 10;

std::uint32_t Load32(const char* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::size_t Hash(std::uint32_t v) {
  return (v * 0x1e35a7bdU) >> (32 - kHashBits);
}

std::size_t MatchLength(const char* a, const char* b, std::size_t max) {
  std::size_t k = 0;
  while (k < max && a[k] == b[k]) {
    ++k;
  }
  return k;
}

}  // namespace

namespace {

constexpr std::size_t kMaxStep = 65535;  // Lengths and sources fit 2 bytes.

std::uint32_t Load16(const char* p) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(p[0])) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(p[1])) << 8U);
}

void Put16(std::string& out, std::size_t v) {
  out.push_back(static_cast<char>(v & 0xffU));
  out.push_back(static_cast<char>(v >> 8U));
}

void PutLiteral(std::string& program, const char* bytes, std::size_t n) {
  while (n > 0) {
    const std::size_t take = std::min(n, kMaxStep);
    program.push_back(static_cast<char>(SnappyDeltaOp::Kind::kLiteral));
    Put16(program, take);
    program.append(bytes, take);
    bytes += take;
    n -= take;
  }
}

// A reference copy ends below kMaxStep (see CompileSnappyDelta), so the
// sources of its chunks fit too.
void PutCopy(std::string& program, SnappyDeltaOp::Kind kind, std::size_t length,
             std::size_t source) {
  while (length > 0) {
    const std::size_t take = std::min(length, kMaxStep);
    program.push_back(static_cast<char>(kind));
    Put16(program, take);
    Put16(program, source);
    if (kind == SnappyDeltaOp::Kind::kCopyReference) {
      source += take;
    }
    length -= take;
  }
}

}  // namespace

void CompileSnappyDelta(std::string_view reference, std::string_view target, SnappyDelta& out) {
  using Kind = SnappyDeltaOp::Kind;
  out.program_.clear();
  out.starts_with_reference_ = false;
  const std::size_t rn = reference.size();
  const std::size_t tn = target.size();
  OBS_CHECK(rn < (1U << 31) && tn < (1U << 31)) << "delta of " << rn << " and " << tn << " bytes";
  out.target_size_ = static_cast<std::uint32_t>(tn);
  const char* const ref = reference.data();
  const char* const tgt = target.data();
  // Last position of each 4-byte hash in the reference followed by the
  // target (a target position p is stored as rn + p), or -1.
  std::array<std::int32_t, std::size_t{1} << kHashBits> table;
  table.fill(-1);
  for (std::size_t j = 0; j + kMinMatch <= rn; ++j) {
    table[Hash(Load32(ref + j))] = static_cast<std::int32_t>(j);
  }
  // Only matches the program can hold: a reference copy must end at or
  // below kMaxStep, a self copy's offset must be at most kMaxStep.
  const auto ref_fits = [](std::size_t at, std::size_t n) {
    return at + n <= kMaxStep;
  };
  std::size_t i = 0;
  std::size_t literal_from = 0;
  // Reference position minus target position of the last reference copy;
  // before the first, the same position is tried (neighbours often begin
  // alike).
  bool aligned = rn > 0;
  std::int64_t align = 0;
  while (i + kMinMatch <= tn) {
    const std::size_t h = Hash(Load32(tgt + i));
    const std::int32_t candidate = table[h];
    table[h] = static_cast<std::int32_t>(rn + i);
    std::size_t best = 0;
    Kind kind = Kind::kLiteral;
    std::size_t source = 0;
    std::int64_t tried = -1;
    if (aligned) {
      const std::int64_t a = static_cast<std::int64_t>(i) + align;
      if (a >= 0 && static_cast<std::size_t>(a) < rn) {
        const auto at = static_cast<std::size_t>(a);
        const std::size_t n = MatchLength(ref + at, tgt + i, std::min(rn - at, tn - i));
        if (ref_fits(at, n)) {
          best = n;
          kind = Kind::kCopyReference;
          source = at;
        }
        tried = a;
      }
    }
    if (candidate >= 0 && candidate != tried) {
      const auto c = static_cast<std::size_t>(candidate);
      if (c < rn) {
        const std::size_t n = MatchLength(ref + c, tgt + i, std::min(rn - c, tn - i));
        if (n > best && ref_fits(c, n)) {
          best = n;
          kind = Kind::kCopyReference;
          source = c;
        }
      } else {
        const std::size_t s = c - rn;  // < i: inserted before.
        const std::size_t n = MatchLength(tgt + s, tgt + i, tn - i);
        if (n > best && i - s <= kMaxStep) {
          best = n;
          kind = Kind::kCopySelf;
          source = i - s;
        }
      }
    }
    if (best < kMinMatch) {
      ++i;
      continue;
    }
    if (literal_from < i) {
      PutLiteral(out.program_, tgt + literal_from, i - literal_from);
    } else if (i == 0) {
      out.starts_with_reference_ = kind == Kind::kCopyReference && source == 0;
    }
    PutCopy(out.program_, kind, best, source);
    if (kind == Kind::kCopyReference) {
      aligned = true;
      align = static_cast<std::int64_t>(source) - static_cast<std::int64_t>(i);
    }
    for (std::size_t k = i + 1; k < i + best && k + kMinMatch <= tn; ++k) {
      table[Hash(Load32(tgt + k))] = static_cast<std::int32_t>(rn + k);
    }
    i += best;
    literal_from = i;
  }
  if (literal_from < tn) {
    PutLiteral(out.program_, tgt + literal_from, tn - literal_from);
  }
}

std::vector<SnappyDeltaOp> SnappyDelta::Ops() const {
  std::vector<SnappyDeltaOp> ops;
  const char* p = program_.data();
  const char* const end = p + program_.size();
  while (p < end) {
    SnappyDeltaOp op;
    op.kind = static_cast<SnappyDeltaOp::Kind>(*p);
    op.length = Load16(p + 1);
    p += 3;
    if (op.kind == SnappyDeltaOp::Kind::kLiteral) {
      p += op.length;
    } else {
      op.source = Load16(p);
      p += 2;
    }
    ops.push_back(op);
  }
  return ops;
}

void SnappyBlockWriter::Reset() {
  if (bytes_.size() < kHeadroom) {
    bytes_.resize(kHeadroom);
  }
  size_ = kHeadroom;
  uncompressed_ = 0;
  literal_open_ = 0;
  copy_length_ = 0;
}

char* SnappyBlockWriter::Grow(std::size_t n) {
  bytes_.resize(std::max(bytes_.size() * 2, size_ + n));
  return bytes_.data() + size_;
}

void SnappyBlockWriter::AppendLongLiteral(const char* data, std::size_t n) {
  if (n == 0) {
    return;
  }
  Reserve(n + n / kMaxLiteral + 2);
  char* const base = bytes_.data();
  uncompressed_ += n;
  while (n > 0) {
    if (literal_open_ == 0 || literal_open_ == kMaxLiteral) {
      literal_tag_ = size_++;
      literal_open_ = 0;
    }
    const std::size_t take = std::min(n, kMaxLiteral - literal_open_);
    std::memcpy(base + size_, data, take);
    size_ += take;
    data += take;
    n -= take;
    literal_open_ += take;
    base[literal_tag_] = static_cast<char>((literal_open_ - 1) << 2U);
  }
}

void SnappyBlockWriter::BadCopy(std::size_t offset, std::size_t length) const {
  OBS_CHECK(false) << "copy of " << length << " bytes from " << offset << " back in "
                   << uncompressed_;
  std::abort();
}

void SnappyBlockWriter::FlushCopy() {
  std::size_t length = copy_length_;
  if (length == 0) {
    return;
  }
  const std::size_t offset = copy_offset_;
  copy_length_ = 0;
  char* p = Reserve(5 * (length / kMaxCopy + 1));
  char* const start = p;
  while (length > 0) {
    const std::size_t len = std::min(length, kMaxCopy);
    if (len >= 4 && len <= 11 && offset < 2048) {
      *p++ = static_cast<char>(1U | ((len - 4) << 2U) | ((offset >> 8U) << 5U));
      *p++ = static_cast<char>(offset & 0xffU);
    } else if (offset < 65536) {
      *p++ = static_cast<char>(2U | ((len - 1) << 2U));
      *p++ = static_cast<char>(offset & 0xffU);
      *p++ = static_cast<char>(offset >> 8U);
    } else {
      *p++ = static_cast<char>(3U | ((len - 1) << 2U));
      for (int b = 0; b < 4; ++b) {
        *p++ = static_cast<char>((offset >> (8 * b)) & 0xffU);
      }
    }
    length -= len;
  }
  size_ += static_cast<std::size_t>(p - start);
}

void SnappyBlockWriter::AppendDelta(const SnappyDelta& delta, std::size_t distance) {
  const char* p = delta.program_.data();
  const char* const end = p + delta.program_.size();
  std::size_t pos = 0;
  while (p < end) {
    const auto kind = static_cast<SnappyDeltaOp::Kind>(*p);
    const std::size_t length = Load16(p + 1);
    p += 3;
    switch (kind) {
      case SnappyDeltaOp::Kind::kLiteral:
        AppendLiteral(p, length);
        p += length;
        break;
      case SnappyDeltaOp::Kind::kCopyReference:
        AppendCopy(distance + pos - Load16(p), length);
        p += 2;
        break;
      case SnappyDeltaOp::Kind::kCopySelf:
        AppendCopy(Load16(p), length);
        p += 2;
        break;
    }
    pos += length;
  }
}

std::string_view SnappyBlockWriter::Finish() {
  FlushCopy();
  OBS_CHECK(uncompressed_ <= 0xffffffffU) << "snappy block of " << uncompressed_ << " bytes";
  const std::size_t start = kHeadroom - internal::VarintSize(uncompressed_);
  internal::WriteVarint(bytes_.data() + start, uncompressed_);
  return {bytes_.data() + start, size_ - start};
}

}  // namespace obs::wire
