#include "store/chunk.h"

#include <bit>
#include <cstring>

namespace obs::backend::internal {

namespace {

std::uint64_t DoubleBits(double v) {
  return std::bit_cast<std::uint64_t>(v);
}

// Whether the two's complement value `x` fits in a signed `nbits` field.
bool FitsSigned(std::uint64_t x, int nbits) {
  const auto s = static_cast<std::int64_t>(x);
  const std::int64_t lim = std::int64_t{1} << (nbits - 1);
  return s >= -lim && s < lim;
}

std::uint64_t Mask(int nbits) {
  return nbits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << nbits) - 1;
}

// Sign-extends the low `nbits` of `x`.
std::uint64_t SignExtend(std::uint64_t x, int nbits) {
  if (nbits >= 64) {
    return x;
  }
  const std::uint64_t sign = std::uint64_t{1} << (nbits - 1);
  return (x ^ sign) - sign;
}

struct DodBucket {
  std::uint64_t prefix;
  int prefix_bits;
  int value_bits;
};
constexpr DodBucket kDodBuckets[] = {{0b10, 2, 14}, {0b110, 3, 17}, {0b1110, 4, 20}};

}  // namespace

// Most bytes one sample can take: a 64-bit delta-of-delta with its 4-bit
// prefix plus a new-window value (2 + 5 + 6 + 64 bits) is 145 bits; one
// more byte for a partial first byte and 8 so that every write can be a
// 64-bit load and store.
constexpr std::size_t kMaxSampleBytes = 19 + 1 + 8;

// Writes bits MSB first into zeroed bytes at `base`, starting at `bit_pos`.
class BitWriter {
 public:
  BitWriter(unsigned char* base, std::size_t bit_pos) : base_(base), pos_(bit_pos) {}

  // REQUIRES: 0 < nbits <= 64; the bytes from bit_pos/8 up to 8 past the last written are room.
  void Write(std::uint64_t value, int nbits) {
    if (nbits > 32) {
      Write32(
          static_cast<std::uint32_t>(value >> 32) & static_cast<std::uint32_t>(Mask(nbits - 32)),
          nbits - 32);
      Write32(static_cast<std::uint32_t>(value), 32);
    } else {
      Write32(static_cast<std::uint32_t>(value & Mask(nbits)), nbits);
    }
  }
  std::size_t bit_pos() const { return pos_; }

 private:
  // REQUIRES: 0 < nbits <= 32; `value` < 2^nbits.
  void Write32(std::uint32_t value, int nbits) {
    unsigned char* p = base_ + pos_ / 8;
    const int offset = static_cast<int>(pos_ % 8);
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    word = __builtin_bswap64(word);  // Big-endian: the first byte is the top.
    word |= static_cast<std::uint64_t>(value) << (64 - offset - nbits);
    word = __builtin_bswap64(word);
    std::memcpy(p, &word, 8);
    pos_ += static_cast<std::size_t>(nbits);
  }

  unsigned char* base_;
  std::size_t pos_;
};

void XorEncoder::Append(std::int64_t t, double v) {
  const std::size_t old_size = bytes_.size();
  if (bytes_.capacity() < old_size + kMaxSampleBytes) {
    // Grow by half: a head chunk lives long and most are small.
    bytes_.reserve(old_size + kMaxSampleBytes + old_size / 2);
  }
  bytes_.resize(old_size + kMaxSampleBytes);  // Zero-fills the room.
  BitWriter w(reinterpret_cast<unsigned char*>(bytes_.data()),
              old_size * 8 - static_cast<std::size_t>(free_bits_));
  if (num_samples_ == 0) {
    w.Write(static_cast<std::uint64_t>(t), 64);
    w.Write(DoubleBits(v), 64);
    prev_bits_ = DoubleBits(v);
  } else {
    WriteTimestamp(w, t);
    WriteValue(w, v);
  }
  const std::size_t new_size = (w.bit_pos() + 7) / 8;
  free_bits_ = static_cast<int>(new_size * 8 - w.bit_pos());
  bytes_.resize(new_size);
  prev_t_ = t;
  ++num_samples_;
}

void XorEncoder::Reset() {
  *this = XorEncoder();
  std::string().swap(bytes_);  // Assigning an empty string keeps the buffer.
}

void XorEncoder::WriteTimestamp(BitWriter& w, std::int64_t t) {
  const std::uint64_t delta = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(prev_t_);
  const std::uint64_t dod = delta - prev_delta_;
  prev_delta_ = delta;
  if (dod == 0) {
    w.Write(0, 1);
    return;
  }
  for (const DodBucket& b : kDodBuckets) {
    if (FitsSigned(dod, b.value_bits)) {
      w.Write(b.prefix, b.prefix_bits);
      w.Write(dod & Mask(b.value_bits), b.value_bits);
      return;
    }
  }
  w.Write(0b1111, 4);
  w.Write(dod, 64);
}

void XorEncoder::WriteValue(BitWriter& w, double v) {
  const std::uint64_t bits = DoubleBits(v);
  const std::uint64_t x = bits ^ prev_bits_;
  prev_bits_ = bits;
  if (x == 0) {
    w.Write(0, 1);
    return;
  }
  int leading = std::countl_zero(x);
  const int trailing = std::countr_zero(x);
  if (leading > 31) {
    leading = 31;  // 5 bits.
  }
  if (leading_ >= 0 && leading >= leading_ && trailing >= trailing_) {
    w.Write(0b10, 2);
    w.Write(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = leading;
  trailing_ = trailing;
  const int sig = 64 - leading - trailing;  // 1..64; 64 is written as 0.
  w.Write(0b11, 2);
  w.Write(static_cast<std::uint64_t>(leading), 5);
  w.Write(static_cast<std::uint64_t>(sig & 63), 6);
  w.Write(x >> trailing, sig);
}

bool XorDecoder::ReadBits(int nbits, std::uint64_t& out) {
  if (bit_pos_ + static_cast<std::size_t>(nbits) > bytes_.size() * 8) {
    return false;
  }
  std::uint64_t v = 0;
  while (nbits > 0) {
    const std::size_t byte = bit_pos_ / 8;
    const int offset = static_cast<int>(bit_pos_ % 8);
    const int avail = 8 - offset;
    const int take = nbits < avail ? nbits : avail;
    const auto b = static_cast<unsigned char>(bytes_[byte]);
    const std::uint64_t bits = (static_cast<std::uint64_t>(b) >> (avail - take)) & Mask(take);
    v = (take >= 64 ? 0 : v << take) | bits;
    bit_pos_ += static_cast<std::size_t>(take);
    nbits -= take;
  }
  out = v;
  return true;
}

bool XorDecoder::Next() {
  if (read_ >= remaining_) {
    return false;
  }
  if (read_ == 0) {
    std::uint64_t t = 0;
    if (!ReadBits(64, t) || !ReadBits(64, bits_)) {
      return false;
    }
    t_ = static_cast<std::int64_t>(t);
  } else if (!ReadTimestamp() || !ReadValue()) {
    return false;
  }
  ++read_;
  return true;
}

double XorDecoder::v() const {
  return std::bit_cast<double>(bits_);
}

bool XorDecoder::ReadTimestamp() {
  int ones = 0;
  std::uint64_t bit = 0;
  while (ones < 4) {
    if (!ReadBits(1, bit)) {
      return false;
    }
    if (bit == 0) {
      break;
    }
    ++ones;
  }
  std::uint64_t dod = 0;
  if (ones == 4) {
    if (!ReadBits(64, dod)) {
      return false;
    }
  } else if (ones > 0) {
    const int nbits = kDodBuckets[ones - 1].value_bits;
    if (!ReadBits(nbits, dod)) {
      return false;
    }
    dod = SignExtend(dod, nbits);
  }
  delta_ += dod;
  t_ = static_cast<std::int64_t>(static_cast<std::uint64_t>(t_) + delta_);
  return true;
}

bool XorDecoder::ReadValue() {
  std::uint64_t control = 0;
  if (!ReadBits(1, control)) {
    return false;
  }
  if (control == 0) {
    return true;
  }
  if (!ReadBits(1, control)) {
    return false;
  }
  if (control == 1) {
    std::uint64_t leading = 0;
    std::uint64_t sig = 0;
    if (!ReadBits(5, leading) || !ReadBits(6, sig)) {
      return false;
    }
    if (sig == 0) {
      sig = 64;
    }
    leading_ = static_cast<int>(leading);
    trailing_ = 64 - leading_ - static_cast<int>(sig);
    if (trailing_ < 0) {
      return false;
    }
  }
  const int sig = 64 - leading_ - trailing_;
  std::uint64_t x = 0;
  if (!ReadBits(sig, x)) {
    return false;
  }
  bits_ ^= x << trailing_;
  return true;
}

void DecodeRange(std::string_view bytes, std::uint32_t num_samples, std::int64_t mint,
                 std::int64_t maxt, std::vector<wire::Sample>& out) {
  XorDecoder dec(bytes, num_samples);
  while (dec.Next()) {
    if (dec.t() > maxt) {
      break;
    }
    if (dec.t() >= mint) {
      out.push_back(wire::Sample{.value = dec.v(), .timestamp_ms = dec.t()});
    }
  }
}

}  // namespace obs::backend::internal
