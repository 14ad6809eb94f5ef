// Writing a snappy block element by element, for a producer that already
// knows where its repeats are and so needs no match finder.
//
// A remote-write sender sends the same label sets in every request, and
// consecutive series of a request differ in a few label bytes. Snappy's
// compressor rediscovers that with a hash table for every byte of every
// request; it is most of the sender's time. Instead, the sender describes
// once how each series' label bytes are rebuilt from the previous series'
// (`CompileSnappyDelta`: copies from that reference, copies from itself,
// literals) and replays the description per request (`AppendDelta`), which
// is a few element writes. The result is an ordinary snappy block: any
// snappy decoder reads it, and it decompresses to exactly the bytes written.
//
// Format (snappy's format_description.txt): a block is the uncompressed
// length as a varint, then elements. A literal is tag 00 with its length
// (here always at most 60, so one tag byte) and its bytes; a copy is tag 01
// (length 4..11, offset < 2048, 2 bytes), 10 (length 1..64, offset < 65536,
// 3 bytes) or 11 (4-byte offset, 5 bytes), and repeats `length` bytes from
// `offset` bytes back in the uncompressed output (they may overlap).
//
// Thread safety: a writer is used by one thread at a time; CompileSnappyDelta
// is a pure function.

#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace obs::wire {

// One step of a delta: the next `length` bytes of the target are literal
// bytes of the target itself, a copy of the reference from `source`, or a
// copy of the target's own bytes `source` back.
struct SnappyDeltaOp {
  enum class Kind : std::uint8_t { kLiteral, kCopyReference, kCopySelf };
  Kind kind = Kind::kLiteral;
  std::uint32_t length = 0;
  std::uint32_t source = 0;  // kCopyReference: position in the reference; kCopySelf: offset.
};

// A compiled delta: its steps as a byte program with the literal bytes
// inline, so replaying it reads nothing but the program (a sender replays
// one per series per request; with many series, reading the label bytes
// again for their literals costs a cache miss each).
class SnappyDelta {
 public:
  // The bytes the delta produces.
  std::size_t target_size() const { return target_size_; }
  // True if the first step copies the reference from its start.
  bool starts_with_reference() const { return starts_with_reference_; }
  // The program's bytes (to prefetch them) and their number.
  const char* program_data() const { return program_.data(); }
  std::size_t program_size() const { return program_.size(); }
  // The steps, decoded (for tests and tools; AppendDelta reads the program).
  std::vector<SnappyDeltaOp> Ops() const;

 private:
  friend void CompileSnappyDelta(std::string_view, std::string_view, SnappyDelta&);
  friend class SnappyBlockWriter;
  // Per step: kind (1 byte), length (2 bytes), then the reference position
  // or self offset (2 bytes) or the literal bytes. Lengths and sources stay
  // below 65536: longer steps are split, farther matches are not used.
  std::string program_;
  std::uint32_t target_size_ = 0;  // < 2^31 (CompileSnappyDelta checks).
  bool starts_with_reference_ = false;
};

// Replaces `out` with a description of `target` in terms of `reference`
// (which may be empty): greedy, longest match of at least 4 bytes among the
// reference and the target's earlier bytes (found by a 4-byte hash, and by
// trying the alignment of the last reference copy first, which is where a
// label set that differs from its neighbour in a few digits continues).
// Keeps `out`'s capacity. Cost: linear in the two sizes plus a 4 KiB table.
// REQUIRES: both sizes < 2^31.
void CompileSnappyDelta(std::string_view reference, std::string_view target, SnappyDelta& out);

class SnappyBlockWriter {
 public:
  SnappyBlockWriter() { Reset(); }

  // Starts a new block; keeps the buffer's capacity.
  void Reset();

  // Appends `n` literal bytes. Consecutive literals share elements.
  void AppendLiteral(const char* data, std::size_t n) {
    if (copy_length_ != 0) {
      FlushCopy();
    }
    // The common case: a few bytes that fit the open literal (or a new one).
    if (n <= kMaxLiteral - literal_open_ && n != 0) [[likely]] {
      char* p = Reserve(n + 1);
      if (literal_open_ == 0) {
        literal_tag_ = size_++;
        ++p;
      }
      std::memcpy(p, data, n);
      size_ += n;
      literal_open_ += n;
      uncompressed_ += n;
      bytes_[literal_tag_] = static_cast<char>((literal_open_ - 1) << 2U);
      return;
    }
    AppendLongLiteral(data, n);
  }

  // Appends a copy of `length` bytes from `offset` bytes back. Consecutive
  // copies with the same offset are one copy: a copy of 2 bytes costs 3, but
  // one that continues the last copy costs nothing.
  // REQUIRES: 1 <= offset <= uncompressed_size(); length >= 1.
  void AppendCopy(std::size_t offset, std::size_t length) {
    if (offset - 1 >= uncompressed_ || length == 0) [[unlikely]] {
      BadCopy(offset, length);
    }
    literal_open_ = 0;
    uncompressed_ += length;
    if (copy_length_ != 0) {
      if (copy_offset_ == offset) {
        copy_length_ += length;  // Continues the open copy.
        return;
      }
      FlushCopy();
    }
    copy_offset_ = offset;
    copy_length_ = length;
  }

  // The offset of the copy the last append wrote, or 0 when it was a literal
  // (or nothing): a copy from there is free.
  std::size_t open_copy_offset() const { return copy_length_ != 0 ? copy_offset_ : 0; }

  // Appends the target `delta` was compiled for. `distance` is how far back
  // from where the target begins (the current uncompressed size) the
  // reference `delta` was compiled against begins; unused when the delta
  // has no reference copies. REQUIRES: the reference bytes are at that
  // distance in this block.
  void AppendDelta(const SnappyDelta& delta, std::size_t distance);

  // Bytes the block decompresses to so far.
  std::size_t uncompressed_size() const { return uncompressed_; }

  // The block: its length varint, then the elements. Valid until the next
  // Reset() or append. REQUIRES: uncompressed_size() < 2^32.
  std::string_view Finish();

 private:
  // Room for `n` more bytes at `bytes_.data() + size_`.
  char* Reserve(std::size_t n) {
    return bytes_.size() - size_ >= n ? bytes_.data() + size_ : Grow(n);
  }
  char* Grow(std::size_t n);
  // Writes the open copy's elements.
  void FlushCopy();
  void AppendLongLiteral(const char* data, std::size_t n);
  [[noreturn]] void BadCopy(std::size_t offset, std::size_t length) const;

  static constexpr std::size_t kMaxLiteral = 60;  // The longest literal with a one-byte tag.

  std::string bytes_;  // 5 bytes of headroom for the length varint, then the elements.
  std::size_t size_ = 0;
  std::size_t uncompressed_ = 0;
  std::size_t literal_tag_ = 0;   // Where the open literal's tag byte is.
  std::size_t literal_open_ = 0;  // Bytes in the open literal (0: none open).
  std::size_t copy_offset_ = 0;   // The open copy, not yet written.
  std::size_t copy_length_ = 0;   // (0: none open).
};

}  // namespace obs::wire
