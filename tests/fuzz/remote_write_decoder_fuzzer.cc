// Feeds arbitrary bytes to the remote write receive path: as a snappy block
// (decompressed under a 1 MiB limit, then decoded) and as raw protobuf. Any
// crash, out-of-bounds read or undefined behaviour is a bug; errors are fine.
// The decoded views are walked so that a view pointing outside the input is
// caught by AddressSanitizer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

namespace {

std::size_t Touch(const obs::wire::WriteRequestView& view) {
  std::size_t total = 0;
  for (const obs::wire::TimeSeriesView& series : view.timeseries) {
    for (const obs::wire::LabelView& label : series.labels) {
      for (char c : label.name) {
        total += static_cast<unsigned char>(c);
      }
      for (char c : label.value) {
        total += static_cast<unsigned char>(c);
      }
    }
    total += series.samples.size();
  }
  return total;
}

void Decode(std::string_view bytes) {
  obs::Result<obs::wire::WriteRequestView> view = obs::wire::DecodeWriteRequest(bytes);
  if (view.ok()) {
    volatile std::size_t sink = Touch(*view);
    static_cast<void>(sink);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  obs::Result<std::string> raw = obs::wire::SnappyUncompress(bytes, 1 << 20);
  if (raw.ok()) {
    Decode(*raw);
  }
  Decode(bytes);
  return 0;
}
