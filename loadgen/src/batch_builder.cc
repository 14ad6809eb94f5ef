#include "batch_builder.h"

#include "obs/wire/snappy.h"

namespace obs::loadgen::internal {

void BatchBuilder::Reset() {
  encoder_.Reset();
}

void BatchBuilder::Add(std::uint32_t series_id, std::int64_t ts_ms) {
  encoder_.BeginSeries();
  model_->ForEachLabel(series_id, [this](std::string_view name, std::string_view value) {
    encoder_.AddLabel(name, value);
  });
  encoder_.AddSample(model_->Value(series_id, ts_ms), ts_ms);
  encoder_.EndSeries();
}

std::string_view BatchBuilder::Finish() {
  wire::SnappyCompressTo(encoder_.Finish(), compressed_);
  return compressed_;
}

}  // namespace obs::loadgen::internal
