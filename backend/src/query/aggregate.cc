// Aggregation operators of PromQL 2.42 (engine.go `aggregation`): sum, avg,
// count, min, max, group, stddev, stdvar, topk, bottomk, quantile and
// count_values, with by/without grouping. Groups are output in order of
// first appearance, as Prometheus does.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>

#include "query/evaluator.h"
#include "query/functions_internal.h"

namespace obs::backend::query {

namespace {

struct Group {
  LabelsPtr labels;
  Accumulator acc;
  std::vector<InstantSample> members;  // topk, bottomk, quantile.
};

// Whether the operator keeps its group's samples instead of an Accumulator.
bool HasMembers(AggOp op) {
  return op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kQuantile;
}

// The group's state after its first sample `v` (engine.go's first-sample case).
void AccInit(AggOp op, Accumulator& g, double v) {
  g.value = v;
  g.mean = v;
  g.count = 1;
  switch (op) {
    case AggOp::kStddev:
    case AggOp::kStdvar:
      g.value = 0;
      break;
    case AggOp::kGroup:
      g.value = 1;
      break;
    default:
      break;
  }
}

// Folds a further sample `v` into the group (not topk, bottomk, quantile).
void AccAdd(AggOp op, Accumulator& g, double v) {
  switch (op) {
    case AggOp::kSum:
      g.value += v;
      break;
    case AggOp::kAvg:
      g.count++;
      if (std::isinf(g.mean)) {
        if (std::isinf(v) && (g.mean > 0) == (v > 0)) {
          break;
        }
        if (!std::isinf(v) && !std::isnan(v)) {
          break;
        }
      }
      g.mean += v / g.count - g.mean / g.count;
      break;
    case AggOp::kGroup:
      break;
    case AggOp::kMax:
      if (g.value < v || std::isnan(g.value)) {
        g.value = v;
      }
      break;
    case AggOp::kMin:
      if (g.value > v || std::isnan(g.value)) {
        g.value = v;
      }
      break;
    case AggOp::kCount:
    case AggOp::kCountValues:
      g.count++;
      break;
    case AggOp::kStddev:
    case AggOp::kStdvar: {
      g.count++;
      const double delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      break;
    }
    case AggOp::kTopk:
    case AggOp::kBottomk:
    case AggOp::kQuantile:
      break;
  }
}

// The group's output value (not topk, bottomk, quantile).
double AccResult(AggOp op, const Accumulator& g) {
  switch (op) {
    case AggOp::kAvg:
      return g.mean;
    case AggOp::kCount:
    case AggOp::kCountValues:
      return g.count;
    case AggOp::kStdvar:
      return g.value / g.count;
    case AggOp::kStddev:
      return std::sqrt(g.value / g.count);
    default:
      return g.value;
  }
}

bool Listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

LabelsPtr GroupLabels(const Aggregate& a, const std::vector<std::string>& grouping,
                      const Labels& in) {
  auto out = std::make_shared<Labels>();
  for (const LabelPair& l : in) {
    const bool listed = Listed(grouping, l.name);
    if (a.without ? (!listed && l.name != "__name__") : listed) {
      out->push_back(l);
    }
  }
  return out;
}

// strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent.
std::string FormatFixed(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[400];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, end);
}

LabelsPtr WithValueLabel(const Labels& in, const std::string& name, const std::string& value) {
  auto out = std::make_shared<Labels>();
  for (const LabelPair& l : in) {
    if (l.name != name) {
      out->push_back(l);
    }
  }
  out->push_back({name, value});
  std::sort(out->begin(), out->end(),
            [](const LabelPair& x, const LabelPair& y) { return x.name < y.name; });
  return out;
}

// topk order: larger first, NaN last.
template <typename T>
bool Greater(const T& a, const T& b) {
  if (std::isnan(b.value)) {
    return !std::isnan(a.value);
  }
  return a.value > b.value;
}

// bottomk order: smaller first, NaN last.
template <typename T>
bool Less(const T& a, const T& b) {
  if (std::isnan(b.value)) {
    return !std::isnan(a.value);
  }
  return a.value < b.value;
}

// Go's container/heap over `h` with `less`, replicated operation for
// operation so that topk/bottomk pick the same sample among equal values as
// Prometheus does.
template <typename T, typename Less>
void HeapUp(std::vector<T>& h, std::size_t j, Less less) {
  while (j > 0) {
    const std::size_t i = (j - 1) / 2;
    if (!less(h[j], h[i])) {
      break;
    }
    std::swap(h[i], h[j]);
    j = i;
  }
}

template <typename T, typename Less>
void HeapDown(std::vector<T>& h, std::size_t i, std::size_t n, Less less) {
  while (true) {
    const std::size_t j1 = 2 * i + 1;
    if (j1 >= n) {
      break;
    }
    std::size_t j = j1;
    if (j1 + 1 < n && less(h[j1 + 1], h[j1])) {
      j = j1 + 1;
    }
    if (!less(h[j], h[i])) {
      break;
    }
    std::swap(h[i], h[j]);
    i = j;
  }
}

// Prometheus's vectorByValueHeap (topk: a min-heap, NaN smallest) and
// vectorByReverseValueHeap (bottomk: a max-heap, NaN largest).
template <typename T>
bool HeapLessTop(const T& a, const T& b) {
  return std::isnan(a.value) || a.value < b.value;
}
template <typename T>
bool HeapLessBottom(const T& a, const T& b) {
  return std::isnan(a.value) || a.value > b.value;
}

// Offers `s` to a topk/bottomk heap of at most k samples.
template <typename T>
void OfferToHeap(std::vector<T>& h, const T& s, std::size_t k, bool top) {
  const auto less = top ? HeapLessTop<T> : HeapLessBottom<T>;
  const bool better = top ? h[0].value < s.value : h[0].value > s.value;
  if (h.size() < k || better || std::isnan(h[0].value)) {
    if (h.size() == k) {
      if (k == 1) {
        h[0] = s;
        return;
      }
      // heap.Pop: swap the root to the end, sift down, drop it.
      std::swap(h[0], h[h.size() - 1]);
      HeapDown(h, 0, h.size() - 1, less);
      h.pop_back();
    }
    h.push_back(s);
    HeapUp(h, h.size() - 1, less);
  }
}

}  // namespace

Vector AggregateVector(const Aggregate& a, Vector in, const Value* param, AggregateCache* cache) {
  std::int64_t k = 0;
  double q = 0;
  std::string value_label;
  std::vector<std::string> grouping = a.grouping;
  if (a.op == AggOp::kTopk || a.op == AggOp::kBottomk) {
    k = TopkParam(std::get<Scalar>(*param).value);
    if (k < 1) {
      return {};
    }
  } else if (a.op == AggOp::kQuantile) {
    q = std::get<Scalar>(*param).value;
  } else if (a.op == AggOp::kCountValues) {
    value_label = std::get<String>(*param).value;
    if (!IsValidLabelName(value_label)) {
      throw EvalFailure{QueryErrorType::kExecution, "invalid label name \"" + value_label + "\""};
    }
    if (!a.without) {
      grouping.push_back(value_label);
    }
  }

  std::unordered_map<std::string, std::size_t> index;
  constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
  std::vector<std::size_t> slot(cache != nullptr ? cache->groups.size() : 0, kNoSlot);
  std::vector<Group> groups;
  for (InstantSample& s : in) {
    if (a.op == AggOp::kCountValues) {
      s.labels = WithValueLabel(*s.labels, value_label, FormatFixed(s.value));
    }
    LabelsPtr key_labels;
    std::size_t group_index = 0;
    bool inserted = false;
    if (cache != nullptr && a.op != AggOp::kCountValues) {
      const std::size_t pos = static_cast<std::size_t>(&s - in.data());
      std::size_t id = 0;
      if (pos < cache->by_position.size() && cache->by_position[pos].first == s.labels.get()) {
        id = cache->by_position[pos].second;
      } else {
        auto [entry, fresh] = cache->group_of.try_emplace(s.labels.get());
        if (fresh) {
          LabelsPtr group = GroupLabels(a, grouping, *s.labels);
          auto [id_it, new_group] =
              cache->ids.try_emplace(LabelsKeyOf(*group), cache->groups.size());
          if (new_group) {
            cache->groups.push_back(std::move(group));
          }
          entry->second = {s.labels, id_it->second};
        }
        id = entry->second.second;
        if (pos >= cache->by_position.size()) {
          cache->by_position.resize(pos + 1, {nullptr, 0});
        }
        cache->by_position[pos] = {s.labels.get(), id};
      }
      if (id >= slot.size()) {
        slot.resize(cache->groups.size(), kNoSlot);
      }
      inserted = slot[id] == kNoSlot;
      if (inserted) {
        slot[id] = groups.size();
      }
      group_index = slot[id];
      key_labels = cache->groups[id];
    } else {
      key_labels = GroupLabels(a, grouping, *s.labels);
      const auto [it, fresh] = index.emplace(LabelsKeyOf(*key_labels), groups.size());
      group_index = it->second;
      inserted = fresh;
    }
    if (inserted) {
      Group g;
      g.labels = std::move(key_labels);
      AccInit(a.op, g.acc, s.value);
      if (HasMembers(a.op)) {
        g.members.push_back(s);
      }
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[group_index];
    if (a.op == AggOp::kTopk || a.op == AggOp::kBottomk) {
      OfferToHeap(g.members, s, static_cast<std::size_t>(k), a.op == AggOp::kTopk);
    } else if (a.op == AggOp::kQuantile) {
      g.members.push_back(s);
    } else {
      AccAdd(a.op, g.acc, s.value);
    }
  }

  Vector out;
  for (Group& g : groups) {
    double v = 0;
    switch (a.op) {
      case AggOp::kTopk:
      case AggOp::kBottomk: {
        std::stable_sort(g.members.begin(), g.members.end(),
                         a.op == AggOp::kTopk ? Greater<InstantSample> : Less<InstantSample>);
        const std::size_t n = std::min(g.members.size(), static_cast<std::size_t>(k));
        for (std::size_t i = 0; i < n; ++i) {
          out.push_back(std::move(g.members[i]));
        }
        continue;
      }
      case AggOp::kQuantile: {
        std::vector<double> values;
        values.reserve(g.members.size());
        for (const InstantSample& s : g.members) {
          values.push_back(s.value);
        }
        v = internal::Quantile(q, values);
        break;
      }
      default:
        v = AccResult(a.op, g.acc);
        break;
    }
    out.push_back({std::move(g.labels), v, 0});
  }
  return out;
}

std::int64_t TopkParam(double f) {
  if (!(f >= -9.223372036854775e18 && f <= 9.223372036854775e18)) {
    throw EvalFailure{QueryErrorType::kExecution,
                      "Scalar value " + FormatFixed(f) + " overflows int64"};
  }
  return static_cast<std::int64_t>(f);
}

StepAggregator::StepAggregator(const Aggregate& a, std::size_t steps, std::int64_t k, double q)
    : a_(a), steps_(steps), k_(static_cast<std::size_t>(k)), q_(q), order_(steps) {}

std::uint32_t StepAggregator::GroupOf(const Labels& labels) {
  LabelsPtr group = GroupLabels(a_, a_.grouping, labels);
  auto [it, fresh] =
      ids_.try_emplace(LabelsKeyOf(*group), static_cast<std::uint32_t>(groups_.size()));
  if (fresh) {
    groups_.push_back(std::move(group));
    cells_.resize(groups_.size() * steps_);
    if (HasMembers(a_.op)) {
      members_.resize(groups_.size() * steps_);
    }
  }
  return it->second;
}

void StepAggregator::Add(std::uint32_t group, std::size_t step, double value,
                         std::uint32_t series) {
  const std::size_t cell = static_cast<std::size_t>(group) * steps_ + step;
  Accumulator& acc = cells_[cell];
  if (acc.count == 0) {
    AccInit(a_.op, acc, value);
    order_[step].push_back(group);
    if (HasMembers(a_.op)) {
      members_[cell].push_back({value, series});
    }
    return;
  }
  switch (a_.op) {
    case AggOp::kTopk:
    case AggOp::kBottomk:
      OfferToHeap(members_[cell], Member{value, series}, k_, a_.op == AggOp::kTopk);
      break;
    case AggOp::kQuantile:
      members_[cell].push_back({value, series});
      break;
    default:
      AccAdd(a_.op, acc, value);
      break;
  }
}

Vector StepAggregator::Finish(std::size_t step,
                              const std::function<LabelsPtr(std::uint32_t)>& labels_of) {
  Vector out;
  out.reserve(order_[step].size());
  for (const std::uint32_t g : order_[step]) {
    const std::size_t cell = static_cast<std::size_t>(g) * steps_ + step;
    double v = 0;
    switch (a_.op) {
      case AggOp::kTopk:
      case AggOp::kBottomk: {
        std::vector<Member>& m = members_[cell];
        std::stable_sort(m.begin(), m.end(),
                         a_.op == AggOp::kTopk ? Greater<Member> : Less<Member>);
        const std::size_t n = std::min(m.size(), k_);
        for (std::size_t i = 0; i < n; ++i) {
          out.push_back({labels_of(m[i].series), m[i].value, 0});
        }
        std::vector<Member>().swap(m);
        continue;
      }
      case AggOp::kQuantile: {
        std::vector<double> values;
        values.reserve(members_[cell].size());
        for (const Member& m : members_[cell]) {
          values.push_back(m.value);
        }
        std::vector<Member>().swap(members_[cell]);
        v = internal::Quantile(q_, values);
        break;
      }
      default:
        v = AccResult(a_.op, cells_[cell]);
        break;
    }
    out.push_back({groups_[g], v, 0});
  }
  std::vector<std::uint32_t>().swap(order_[step]);
  return out;
}

}  // namespace obs::backend::query
