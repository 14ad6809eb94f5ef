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

void XorEncoder::WriteBits(std::uint64_t value, int nbits) {
  while (nbits > 0) {
    if (free_bits_ == 0) {
      bytes_.push_back('\0');
      free_bits_ = 8;
    }
    const int take = nbits < free_bits_ ? nbits : free_bits_;
    const auto chunk = static_cast<unsigned>((value >> (nbits - take)) & Mask(take));
    auto& last = reinterpret_cast<unsigned char&>(bytes_.back());
    last = static_cast<unsigned char>(last | (chunk << (free_bits_ - take)));
    free_bits_ -= take;
    nbits -= take;
  }
}

void XorEncoder::Append(std::int64_t t, double v) {
  if (num_samples_ == 0) {
    WriteBits(static_cast<std::uint64_t>(t), 64);
    WriteBits(DoubleBits(v), 64);
    prev_bits_ = DoubleBits(v);
  } else {
    WriteTimestamp(t);
    WriteValue(v);
  }
  prev_t_ = t;
  ++num_samples_;
}

void XorEncoder::WriteTimestamp(std::int64_t t) {
  const std::uint64_t delta = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(prev_t_);
  const std::uint64_t dod = delta - prev_delta_;
  prev_delta_ = delta;
  if (dod == 0) {
    WriteBits(0, 1);
    return;
  }
  for (const DodBucket& b : kDodBuckets) {
    if (FitsSigned(dod, b.value_bits)) {
      WriteBits(b.prefix, b.prefix_bits);
      WriteBits(dod & Mask(b.value_bits), b.value_bits);
      return;
    }
  }
  WriteBits(0b1111, 4);
  WriteBits(dod, 64);
}

void XorEncoder::WriteValue(double v) {
  const std::uint64_t bits = DoubleBits(v);
  const std::uint64_t x = bits ^ prev_bits_;
  prev_bits_ = bits;
  if (x == 0) {
    WriteBits(0, 1);
    return;
  }
  int leading = std::countl_zero(x);
  const int trailing = std::countr_zero(x);
  if (leading > 31) {
    leading = 31;  // 5 bits.
  }
  if (leading_ >= 0 && leading >= leading_ && trailing >= trailing_) {
    WriteBits(0b10, 2);
    WriteBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = leading;
  trailing_ = trailing;
  const int sig = 64 - leading - trailing;  // 1..64; 64 is written as 0.
  WriteBits(0b11, 2);
  WriteBits(static_cast<std::uint64_t>(leading), 5);
  WriteBits(static_cast<std::uint64_t>(sig & 63), 6);
  WriteBits(x >> trailing, sig);
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
