// BatchBuilder turns (series id, timestamp) pairs into a remote-write request
// body: labels and values from the SeriesModel, protobuf from the wire
// encoder, then one snappy block. Buffers are reused, so after warm-up a
// batch costs no allocation. It is the generator's per-core ceiling
// (BM_RemoteWrite_BuildBatch).
//
// Thread safety: none; one builder per sender thread.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "obs/wire/remote_write.h"

#include "series_model.h"

namespace obs::loadgen::internal {

class BatchBuilder {
 public:
  // `model` must outlive the builder.
  explicit BatchBuilder(const SeriesModel& model) : model_(&model) {}

  void Reset();
  // Appends one series with one sample: the model's value at `ts_ms`.
  void Add(std::uint32_t series_id, std::int64_t ts_ms);
  // The compressed body; valid until the next Reset().
  std::string_view Finish();

  std::size_t samples() const { return encoder_.samples(); }

 private:
  const SeriesModel* model_;
  wire::WriteRequestEncoder encoder_;
  std::string compressed_;
};

}  // namespace obs::loadgen::internal
