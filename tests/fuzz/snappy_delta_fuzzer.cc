// Round-trips arbitrary bytes through the sender's snappy writer: the input
// is split into a reference and a target, the target is compiled as a delta
// against the reference and written after it (and after a gap), and the
// block must decompress, with the snappy library, to exactly those bytes.
// Any mismatch aborts; so does a crash or out-of-bounds access.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "obs/wire/snappy.h"
#include "obs/wire/snappy_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::size_t split = data[0] % (input.size() + 1);
  const std::size_t gap = static_cast<std::size_t>(data[1]) * 300;  // Up to ~76 KiB.
  const std::string_view reference = input.substr(0, split);
  const std::string_view target = input.substr(split);
  obs::wire::SnappyDelta delta;
  obs::wire::CompileSnappyDelta(reference, target, delta);
  obs::wire::SnappyBlockWriter writer;
  writer.AppendLiteral(reference.data(), reference.size());
  const std::string filler(gap, 'g');
  writer.AppendLiteral(filler.data(), filler.size());
  writer.AppendDelta(delta, reference.size() + filler.size());
  auto raw = obs::wire::SnappyUncompress(writer.Finish(), std::size_t{1} << 24);
  if (!raw.ok() || *raw != std::string(reference) + filler + std::string(target)) {
    std::abort();
  }
  return 0;
}
