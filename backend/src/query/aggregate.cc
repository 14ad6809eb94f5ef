// Aggregation operators of PromQL 2.42 (engine.go `aggregation`): sum, avg,
// count, min, max, group, stddev, stdvar, topk, bottomk, quantile and
// count_values, with by/without grouping. Groups are output in order of
// first appearance, as Prometheus does.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "query/evaluator.h"
#include "query/functions_internal.h"

namespace obs::backend::query {

namespace {

struct Group {
  LabelsPtr labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<InstantSample> members;  // topk, bottomk, quantile.
};

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
bool Greater(const InstantSample& a, const InstantSample& b) {
  if (std::isnan(b.value)) {
    return !std::isnan(a.value);
  }
  return a.value > b.value;
}

// bottomk order: smaller first, NaN last.
bool Less(const InstantSample& a, const InstantSample& b) {
  if (std::isnan(b.value)) {
    return !std::isnan(a.value);
  }
  return a.value < b.value;
}

// Go's container/heap over `h` with `less`, replicated operation for
// operation so that topk/bottomk pick the same sample among equal values as
// Prometheus does.
template <typename Less>
void HeapUp(std::vector<InstantSample>& h, std::size_t j, Less less) {
  while (j > 0) {
    const std::size_t i = (j - 1) / 2;
    if (!less(h[j], h[i])) {
      break;
    }
    std::swap(h[i], h[j]);
    j = i;
  }
}

template <typename Less>
void HeapDown(std::vector<InstantSample>& h, std::size_t i, std::size_t n, Less less) {
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
bool HeapLessTop(const InstantSample& a, const InstantSample& b) {
  return std::isnan(a.value) || a.value < b.value;
}
bool HeapLessBottom(const InstantSample& a, const InstantSample& b) {
  return std::isnan(a.value) || a.value > b.value;
}

// Offers `s` to a topk/bottomk heap of at most k samples.
void OfferToHeap(std::vector<InstantSample>& h, const InstantSample& s, std::size_t k, bool top) {
  const auto less = top ? HeapLessTop : HeapLessBottom;
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
    const double f = std::get<Scalar>(*param).value;
    if (!(f >= -9.223372036854775e18 && f <= 9.223372036854775e18)) {
      throw EvalFailure{QueryErrorType::kExecution,
                        "Scalar value " + FormatFixed(f) + " overflows int64"};
    }
    k = static_cast<std::int64_t>(f);
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
      g.value = s.value;
      g.mean = s.value;
      g.count = 1;
      switch (a.op) {
        case AggOp::kStddev:
        case AggOp::kStdvar:
          g.value = 0;
          break;
        case AggOp::kGroup:
          g.value = 1;
          break;
        case AggOp::kTopk:
        case AggOp::kBottomk:
        case AggOp::kQuantile:
          g.members.push_back(s);
          break;
        default:
          break;
      }
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[group_index];
    switch (a.op) {
      case AggOp::kSum:
        g.value += s.value;
        break;
      case AggOp::kAvg:
        g.count++;
        if (std::isinf(g.mean)) {
          if (std::isinf(s.value) && (g.mean > 0) == (s.value > 0)) {
            break;
          }
          if (!std::isinf(s.value) && !std::isnan(s.value)) {
            break;
          }
        }
        g.mean += s.value / g.count - g.mean / g.count;
        break;
      case AggOp::kGroup:
        break;
      case AggOp::kMax:
        if (g.value < s.value || std::isnan(g.value)) {
          g.value = s.value;
        }
        break;
      case AggOp::kMin:
        if (g.value > s.value || std::isnan(g.value)) {
          g.value = s.value;
        }
        break;
      case AggOp::kCount:
      case AggOp::kCountValues:
        g.count++;
        break;
      case AggOp::kStddev:
      case AggOp::kStdvar: {
        g.count++;
        const double delta = s.value - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (s.value - g.mean);
        break;
      }
      case AggOp::kTopk:
      case AggOp::kBottomk:
        OfferToHeap(g.members, s, static_cast<std::size_t>(k), a.op == AggOp::kTopk);
        break;
      case AggOp::kQuantile:
        g.members.push_back(s);
        break;
    }
  }

  Vector out;
  for (Group& g : groups) {
    double v = g.value;
    switch (a.op) {
      case AggOp::kAvg:
        v = g.mean;
        break;
      case AggOp::kCount:
      case AggOp::kCountValues:
        v = g.count;
        break;
      case AggOp::kStdvar:
        v = g.value / g.count;
        break;
      case AggOp::kStddev:
        v = std::sqrt(g.value / g.count);
        break;
      case AggOp::kTopk:
      case AggOp::kBottomk: {
        std::stable_sort(g.members.begin(), g.members.end(), a.op == AggOp::kTopk ? Greater : Less);
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
        break;
    }
    out.push_back({std::move(g.labels), v, 0});
  }
  return out;
}

}  // namespace obs::backend::query
