// Gorilla-style compression of one series' samples (Facebook's Gorilla paper,
// as in Prometheus's XOR chunks): timestamps as delta-of-delta in
// variable-width buckets, values as the XOR with the previous value using a
// leading/trailing-zero window. Values are stored bit-exactly, so NaN
// payloads (stale markers) survive.
//
// The format: sample 0 = 64-bit timestamp + 64-bit value; every later sample
// = delta-of-delta (prefix 0 | 10+14 bits | 110+17 | 1110+20 | 1111+64) then
// the value (0 = same | 10 = reuse the window | 11 + 5-bit leading zeros +
// 6-bit width + bits). Deltas wrap in two's complement, so any int64
// timestamp sequence round-trips.
//
// Thread safety: none; an XorEncoder is guarded by its series' mutex. The
// byte strings it produces are values and may be decoded anywhere.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "obs/wire/remote_write.h"

namespace obs::backend::internal {

class BitWriter;  // chunk.cc

class XorEncoder {
 public:
  // REQUIRES: t >= the previous timestamp (the storage checks order first).
  void Append(std::int64_t t, double v);

  std::uint32_t num_samples() const { return num_samples_; }
  const std::string& bytes() const { return bytes_; }

  // Resets the encoder to empty and frees its buffer (a head that kept a
  // grown buffer would hold up to 1.5 times its chunk's size for every
  // series).
  void Reset();

 private:
  void WriteTimestamp(BitWriter& w, std::int64_t t);
  void WriteValue(BitWriter& w, double v);

  std::string bytes_;
  int free_bits_ = 0;  // Unused low bits in bytes_.back().
  std::uint32_t num_samples_ = 0;
  std::int64_t prev_t_ = 0;
  std::uint64_t prev_delta_ = 0;
  std::uint64_t prev_bits_ = 0;
  int leading_ = -1;  // Current XOR window; -1 = none yet.
  int trailing_ = 0;
};

// Reads `num_samples` samples back from encoder bytes.
class XorDecoder {
 public:
  XorDecoder(std::string_view bytes, std::uint32_t num_samples)
      : bytes_(bytes), remaining_(num_samples) {}

  // Advances to the next sample; false at the end or on truncated input.
  bool Next();
  std::int64_t t() const { return t_; }
  double v() const;

 private:
  bool ReadBits(int nbits, std::uint64_t& out);
  bool ReadTimestamp();
  bool ReadValue();

  std::string_view bytes_;
  std::size_t bit_pos_ = 0;
  std::uint32_t remaining_;
  std::uint32_t read_ = 0;
  std::int64_t t_ = 0;
  std::uint64_t delta_ = 0;
  std::uint64_t bits_ = 0;
  int leading_ = 0;
  int trailing_ = 0;
};

// Appends the samples of an encoded chunk with mint <= t <= maxt to `out`.
void DecodeRange(std::string_view bytes, std::uint32_t num_samples, std::int64_t mint,
                 std::int64_t maxt, std::vector<wire::Sample>& out);

}  // namespace obs::backend::internal
