// Binary operators: scalar/scalar, vector/scalar, and vector/vector with
// one-to-one, many-to-one and one-to-many matching (on/ignoring,
// group_left/group_right) and the set operators, following Prometheus
// 2.42's engine.go (VectorBinop, resultMetric, VectorAnd/Or/Unless,
// vectorElemBinop).

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "query/evaluator.h"

namespace obs::backend::query {

namespace {

struct ElemResult {
  double value;
  bool keep;
};

ElemResult ElemBinop(BinOp op, double l, double r) {
  switch (op) {
    case BinOp::kAdd:
      return {l + r, true};
    case BinOp::kSub:
      return {l - r, true};
    case BinOp::kMul:
      return {l * r, true};
    case BinOp::kDiv:
      return {l / r, true};
    case BinOp::kMod:
      return {std::fmod(l, r), true};
    case BinOp::kPow:
      return {std::pow(l, r), true};
    case BinOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinOp::kEql:
      return {l, l == r};
    case BinOp::kNeq:
      return {l, l != r};
    case BinOp::kGtr:
      return {l, l > r};
    case BinOp::kLss:
      return {l, l < r};
    case BinOp::kGte:
      return {l, l >= r};
    case BinOp::kLte:
      return {l, l <= r};
    default:
      break;
  }
  return {0, false};
}

// Whether the result of `b` loses the metric name: arithmetic does, except
// atan2 (not an "operator" in Prometheus 2.42's lexer), and so does `bool`.
bool DropsName(const Binary& b) {
  return b.return_bool || (!IsComparison(b.op) && b.op != BinOp::kAtan2);
}

Value ScalarScalar(const Binary& b, double l, double r) {
  const ElemResult e = ElemBinop(b.op, l, r);
  if (IsComparison(b.op)) {
    return Scalar{e.keep ? 1.0 : 0.0};  // The parser requires `bool` here.
  }
  return Scalar{e.value};
}

Value VectorScalar(const Binary& b, Vector v, double scalar, bool scalar_on_left,
                   LabelCache& cache) {
  Vector out;
  out.reserve(v.size());
  for (InstantSample& s : v) {
    const double l = scalar_on_left ? scalar : s.value;
    const double r = scalar_on_left ? s.value : scalar;
    ElemResult e = ElemBinop(b.op, l, r);
    if (IsComparison(b.op)) {
      e.value = s.value;  // A filter keeps the vector's own value.
      if (b.return_bool) {
        e.value = e.keep ? 1 : 0;
        e.keep = true;
      }
    }
    if (!e.keep) {
      continue;
    }
    s.value = e.value;
    if (DropsName(b)) {
      s.labels = cache.DropName(s.labels);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// The labels a matching operation keeps for its signature, as Prometheus's
// Labels.MatchLabels (used in error messages).
Labels MatchedLabels(const Labels& labels, const VectorMatching& m) {
  Labels kept;
  for (const LabelPair& l : labels) {
    const bool listed = std::find(m.matching_labels.begin(), m.matching_labels.end(), l.name) !=
                        m.matching_labels.end();
    if (m.on ? listed : (!listed && l.name != "__name__")) {
      kept.push_back(l);
    }
  }
  return kept;
}

// The matching signature: the key of MatchedLabels.
std::string Signature(const Labels& labels, const VectorMatching& m) {
  return LabelsKeyOf(MatchedLabels(labels, m));
}

// Prometheus's resultMetric: the "many" side's labels, without __name__ for
// arithmetic, reduced to the matching labels for one-to-one, plus the
// group_x labels copied from the "one" side.
LabelsPtr ResultLabels(const Binary& b, const Labels& lhs, const Labels& rhs) {
  auto out = std::make_shared<Labels>();
  const auto& m = b.matching;
  for (const LabelPair& l : lhs) {
    if (l.name == "__name__" && DropsName(b)) {
      continue;
    }
    if (m.card == Cardinality::kOneToOne) {
      const bool listed = std::find(m.matching_labels.begin(), m.matching_labels.end(), l.name) !=
                          m.matching_labels.end();
      if (m.on ? !listed : listed) {
        continue;
      }
    }
    if (std::find(m.include.begin(), m.include.end(), l.name) != m.include.end()) {
      continue;  // Replaced (or removed) from the "one" side below.
    }
    out->push_back(l);
  }
  for (const std::string& name : m.include) {
    for (const LabelPair& l : rhs) {
      if (l.name == name && !l.value.empty()) {
        out->push_back(l);
      }
    }
  }
  std::sort(out->begin(), out->end(),
            [](const LabelPair& x, const LabelPair& y) { return x.name < y.name; });
  return out;
}

Vector SetOperation(const Binary& b, Vector lhs, Vector rhs) {
  std::unordered_set<std::string> rhs_sigs;
  for (const InstantSample& s : rhs) {
    rhs_sigs.insert(Signature(*s.labels, b.matching));
  }
  Vector out;
  if (b.op == BinOp::kOr) {
    std::unordered_set<std::string> lhs_sigs;
    for (InstantSample& s : lhs) {
      lhs_sigs.insert(Signature(*s.labels, b.matching));
      out.push_back(std::move(s));
    }
    for (InstantSample& s : rhs) {
      if (lhs_sigs.count(Signature(*s.labels, b.matching)) == 0) {
        out.push_back(std::move(s));
      }
    }
    return out;
  }
  const bool want_match = b.op == BinOp::kAnd;
  for (InstantSample& s : lhs) {
    if ((rhs_sigs.count(Signature(*s.labels, b.matching)) > 0) == want_match) {
      out.push_back(std::move(s));
    }
  }
  return out;
}

Vector VectorVector(const Binary& b, Vector lhs, Vector rhs) {
  const VectorMatching& m = b.matching;
  if (m.card == Cardinality::kManyToMany) {
    return SetOperation(b, std::move(lhs), std::move(rhs));
  }
  // One-to-many is many-to-one with the sides swapped.
  const bool swapped = m.card == Cardinality::kOneToMany;
  if (swapped) {
    std::swap(lhs, rhs);
  }
  std::unordered_map<std::string, const InstantSample*> right;
  for (const InstantSample& s : rhs) {
    const auto [it, inserted] = right.emplace(Signature(*s.labels, m), &s);
    if (!inserted) {
      throw EvalFailure{
          QueryErrorType::kExecution,
          "found duplicate series for the match group " +
              LabelsToString(MatchedLabels(*s.labels, m)) + " on the " +
              (swapped ? "left" : "right") + " hand-side of the operation: [" +
              LabelsToString(*s.labels) + ", " + LabelsToString(*it->second->labels) +
              "];many-to-many matching not allowed: matching labels must be unique on one side"};
    }
  }
  std::unordered_map<std::string, std::unordered_set<std::string>> matched;
  Vector out;
  for (const InstantSample& l : lhs) {
    const std::string sig = Signature(*l.labels, m);
    const auto it = right.find(sig);
    if (it == right.end()) {
      continue;
    }
    double vl = l.value;
    double vr = it->second->value;
    if (swapped) {
      std::swap(vl, vr);
    }
    ElemResult e = ElemBinop(b.op, vl, vr);
    if (b.return_bool) {
      e.value = e.keep ? 1 : 0;
    } else if (!e.keep) {
      continue;
    }
    LabelsPtr labels = ResultLabels(b, *l.labels, *it->second->labels);
    auto [group, first] = matched.try_emplace(sig);
    if (m.card == Cardinality::kOneToOne) {
      if (!first) {
        throw EvalFailure{QueryErrorType::kExecution,
                          "multiple matches for labels: many-to-one matching must be explicit "
                          "(group_left/group_right)"};
      }
    } else if (!group->second.insert(LabelsKeyOf(*labels)).second) {
      throw EvalFailure{QueryErrorType::kExecution,
                        "multiple matches for labels: grouping labels must ensure unique matches"};
    }
    out.push_back({std::move(labels), e.value, l.sample_t});
  }
  return out;
}

}  // namespace

Value ApplyBinary(const Binary& b, Value lhs, Value rhs, LabelCache& cache) {
  auto* ls = std::get_if<Scalar>(&lhs);
  auto* rs = std::get_if<Scalar>(&rhs);
  if (ls != nullptr && rs != nullptr) {
    return ScalarScalar(b, ls->value, rs->value);
  }
  if (rs != nullptr) {
    return VectorScalar(b, std::get<Vector>(std::move(lhs)), rs->value, false, cache);
  }
  if (ls != nullptr) {
    return VectorScalar(b, std::get<Vector>(std::move(rhs)), ls->value, true, cache);
  }
  return VectorVector(b, std::get<Vector>(std::move(lhs)), std::get<Vector>(std::move(rhs)));
}

}  // namespace obs::backend::query
