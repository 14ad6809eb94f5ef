// SeriesSet is the deterministic data model a load writes: `instances`
// scrape targets (instance="host-0007:9100", job=...) times the series of one
// or more models (`http_red`, `node`, `process`; docs/workloads.md lists every
// family, label and value curve). Everything is derived from `seed`, so two
// sets built from the same options are identical, and every value is a pure
// closed-form function of (series id, timestamp): counters are integrals of
// their rate curves and never decrease (except at the documented modeled
// resets), histograms are cumulative and consistent (+Inf == _count), so a
// verifier can recompute any sample without per-series state.
//
// Slots and ids: a *slot* is one series position that is alive at any
// instant (slots() of them). With churn, each instance's series are replaced
// by a new generation every `churn_interval_seconds` (staggered across
// instances; the instance label gets a "-g<N>" suffix), so a slot maps to a
// different series id per generation: id = generation * slots() + slot, dense
// in [0, series_capacity()).
//
// Label sets are sorted by name, contain `__name__`, have no duplicate or
// empty names or values, and carry obsbench_run="<run_id>" when run_id is
// non-empty plus `extra_labels`.
//
// Thread safety: immutable after Create(); every const method is safe from
// any thread.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "obs/base/status.h"
#include "obs/wire/remote_write.h"

namespace obs::loadgen {

struct ModelOptions {
  std::string kind{};               // "http_red" | "node" | "process"
  int routes = 10;                  // http_red: distinct route label values
  double requests_per_second = 50;  // http_red: mean request rate per instance (drives counters)
  double error_ratio = 0.01;        // http_red: share of 5xx
  int cpus = 4;                     // node
  int filesystems = 3;              // node
  int network_devices = 2;          // node
};

struct SeriesSetOptions {
  std::vector<ModelOptions> models{};
  int instances = 10;
  std::uint64_t seed = 1;
  double churn_interval_seconds = 0;  // 0 = no churn
  double duration_seconds = 0;        // run length, sizes the generations
  std::string run_id{};               // adds obsbench_run="<run_id>" when non-empty
  std::vector<std::pair<std::string, std::string>> extra_labels{};
  // Modeled process restarts: every counter of an instance restarts from 0
  // every this many hours (staggered by instance). 0 = counters never reset.
  double counter_reset_hours = 0;
  // Unix ms at which generation 0 starts (churn only). RunRemoteWrite sets
  // it to the run's start when it is 0.
  std::int64_t start_ms = 0;
};

// A label of a series (name, value); the wire module's type, so label sets
// pass to the encoder and the verifier without conversion.
using Label = obs::wire::Label;

namespace internal {
class SeriesModel;  // loadgen/src/series_model.h: the immutable tables behind a SeriesSet.
}

class SeriesSet {
 public:
  // Returns kInvalidArgument for an unknown model kind, a knob out of range
  // (instances < 1, routes/cpus/... < 1, error_ratio outside [0, 0.5], a
  // negative churn interval or duration), an invalid or duplicate extra label
  // name, an empty extra label value, or more than 2^32 series.
  static Result<SeriesSet> Create(const SeriesSetOptions& options);

  // Series alive at any instant.
  std::size_t slots() const;
  // Distinct series over the run: slots() x generations().
  std::size_t series_capacity() const;
  std::size_t generations() const;
  const SeriesSetOptions& options() const;

  // The generation active for `slot` at Unix ms `t_ms` (0 without churn;
  // clamped to [0, generations() - 1]). REQUIRES: slot < slots().
  std::size_t Generation(std::size_t slot, std::int64_t t_ms) const;
  // The dense id of the series in `slot` at `t_ms`. REQUIRES: slot < slots().
  std::uint32_t SeriesId(std::size_t slot, std::int64_t t_ms) const;
  // The slot of a series id. REQUIRES: series_id < series_capacity().
  std::size_t SlotOf(std::uint32_t series_id) const;

  // The sorted label set of a series. REQUIRES: series_id < series_capacity().
  std::vector<Label> Labels(std::uint32_t series_id) const;
  // The value of a series at Unix ms `t_ms`. REQUIRES: series_id < series_capacity().
  double Value(std::uint32_t series_id, std::int64_t t_ms) const;
  // The Prometheus text form `m{a="b",...}` (values escaped).
  std::string SeriesText(std::uint32_t series_id) const;
  // Every metric name the set writes, sorted and unique.
  std::vector<std::string> MetricNames() const;

  // For loadgen/src only (the encoder walks labels without allocating).
  const internal::SeriesModel& model() const { return *model_; }

 private:
  explicit SeriesSet(std::shared_ptr<const internal::SeriesModel> model)
      : model_(std::move(model)) {}

  // Immutable and shared: copies are cheap and safe across threads.
  std::shared_ptr<const internal::SeriesModel> model_;
};

}  // namespace obs::loadgen
