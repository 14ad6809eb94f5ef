// Aggregation operators (sum, count, min, max, avg) with by/without
// grouping, as in Prometheus 2.42's engine.go `aggregation`.

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "query/evaluator.h"

namespace obs::backend::query {

namespace {

struct Group {
  LabelsPtr labels;
  double value = 0;  // sum / min / max / count
  double mean = 0;   // avg
  double count = 0;
};

LabelsPtr GroupLabels(const Aggregate& a, const Labels& in) {
  auto out = std::make_shared<Labels>();
  for (const LabelPair& l : in) {
    const bool listed = std::find(a.grouping.begin(), a.grouping.end(), l.name) != a.grouping.end();
    if (a.without ? (!listed && l.name != "__name__") : listed) {
      out->push_back(l);
    }
  }
  return out;
}

void Accumulate(AggOp op, Group& g, double v) {
  g.count++;
  switch (op) {
    case AggOp::kSum:
      g.value += v;
      break;
    case AggOp::kCount:
      g.value = g.count;
      break;
    case AggOp::kMin:
      if (g.count == 1 || v < g.value || std::isnan(g.value)) {
        g.value = v;
      }
      break;
    case AggOp::kMax:
      if (g.count == 1 || v > g.value || std::isnan(g.value)) {
        g.value = v;
      }
      break;
    case AggOp::kAvg:
      if (g.count == 1) {
        g.mean = v;
        break;
      }
      // Prometheus's incremental mean, which avoids overflowing to Inf.
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
  }
}

}  // namespace

Vector AggregateVector(const Aggregate& a, const Vector& in) {
  std::unordered_map<std::string, std::size_t> index;
  std::vector<Group> groups;
  std::int64_t t = 0;
  for (const InstantSample& s : in) {
    LabelsPtr labels = GroupLabels(a, *s.labels);
    auto [it, inserted] = index.emplace(LabelsKeyOf(*labels), groups.size());
    if (inserted) {
      groups.push_back(Group{.labels = std::move(labels)});
    }
    Accumulate(a.op, groups[it->second], s.value);
    t = s.sample_t;
  }
  Vector out;
  out.reserve(groups.size());
  for (Group& g : groups) {
    out.push_back({std::move(g.labels), a.op == AggOp::kAvg ? g.mean : g.value, t});
  }
  return out;
}

}  // namespace obs::backend::query
