#include "obs/loadgen/series_set.h"

#include <string_view>

#include "obs/wire/series_text.h"

#include "series_model.h"

namespace obs::loadgen {

Result<SeriesSet> SeriesSet::Create(const SeriesSetOptions& options) {
  OBS_ASSIGN_OR_RETURN(std::shared_ptr<const internal::SeriesModel> model,
                       internal::SeriesModel::Build(options));
  return SeriesSet(std::move(model));
}

std::size_t SeriesSet::slots() const {
  return model_->slots();
}

std::size_t SeriesSet::series_capacity() const {
  return model_->slots() * model_->generations();
}

std::size_t SeriesSet::generations() const {
  return model_->generations();
}

const SeriesSetOptions& SeriesSet::options() const {
  return model_->options();
}

std::size_t SeriesSet::Generation(std::size_t slot, std::int64_t t_ms) const {
  return model_->Generation(slot, t_ms);
}

std::uint32_t SeriesSet::SeriesId(std::size_t slot, std::int64_t t_ms) const {
  return model_->SeriesId(slot, t_ms);
}

std::size_t SeriesSet::SlotOf(std::uint32_t series_id) const {
  OBS_CHECK(series_id < series_capacity()) << "series id " << series_id;
  return series_id % model_->slots();
}

std::vector<Label> SeriesSet::Labels(std::uint32_t series_id) const {
  std::vector<Label> labels;
  model_->ForEachLabel(series_id, [&](std::string_view name, std::string_view value) {
    labels.push_back({std::string(name), std::string(value)});
  });
  return labels;
}

double SeriesSet::Value(std::uint32_t series_id, std::int64_t t_ms) const {
  return model_->Value(series_id, t_ms);
}

std::string SeriesSet::SeriesText(std::uint32_t series_id) const {
  wire::SeriesTextBuilder text;
  model_->ForEachLabel(series_id, [&](std::string_view n, std::string_view v) { text.Add(n, v); });
  return text.Finish();
}

std::vector<std::string> SeriesSet::MetricNames() const {
  return model_->MetricNames();
}

}  // namespace obs::loadgen
