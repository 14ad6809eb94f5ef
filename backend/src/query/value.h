// The values PromQL expressions evaluate to at one evaluation step: scalar,
// instant vector, range vector (matrix) and string, plus the evaluation
// failure that any part of the engine may throw.
//
// Thread safety: plain values.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "obs/wire/remote_write.h"

#include "query/engine.h"  // QueryErrorType
#include "store/labels.h"

namespace obs::backend::query {

using LabelsPtr = std::shared_ptr<const Labels>;

struct InstantSample {
  LabelsPtr labels;
  double value = 0;
  // The stored sample's own time for a plain selector (what timestamp()
  // returns), else the evaluation time.
  std::int64_t sample_t = 0;
};
using Vector = std::vector<InstantSample>;

struct RangeSeries {
  LabelsPtr labels;
  std::vector<wire::Sample> points;  // Ascending time, no stale markers.
};
using Matrix = std::vector<RangeSeries>;

struct Scalar {
  double value = 0;
};
struct String {
  std::string value;
};
using Value = std::variant<Scalar, Vector, Matrix, String>;

// Thrown by evaluation code (timeout, too many samples, matching errors,
// duplicate label sets); caught by Engine and turned into a QueryError.
struct EvalFailure {
  QueryErrorType type;
  std::string message;
};

// `labels` without `__name__` (shares `labels` when it has none).
LabelsPtr DropMetricName(const LabelsPtr& labels);
// An unambiguous key of a label set, for hashing.
std::string LabelsKeyOf(const Labels& labels);

// FNV-1a over names and values (for duplicate checks without allocation).
std::uint64_t LabelsHash(const Labels& labels);

// Throws "vector cannot contain metrics with the same labelset" if two
// samples of `v` have equal labels.
void CheckNoDuplicateLabelsets(const Vector& v);

// Remembers derived label sets per input label set (by identity, holding the
// input so its address cannot be reused), so that a query evaluated over
// many steps allocates each derived set once instead of once per step.
class LabelCache {
 public:
  // DropMetricName(in), cached.
  const LabelsPtr& DropName(const LabelsPtr& in);
  // histogram_quantile's group of a bucket series: `in` without `le`,
  // cached and interned (equal groups are one object, so that callers can
  // tell groups apart by pointer).
  const LabelsPtr& BucketGroup(const LabelsPtr& in);

 private:
  std::unordered_map<const Labels*, std::pair<LabelsPtr, LabelsPtr>> dropped_;
  std::unordered_map<const Labels*, std::pair<LabelsPtr, LabelsPtr>> bucket_groups_;
  std::unordered_map<std::string, LabelsPtr> interned_;  // LabelsKeyOf -> the group.
};

// An aggregation node's per-query memory: input label set -> the id of its
// group, and each group's labels (one shared pointer per distinct group).
// `by_position` remembers the previous step's input order, which is almost
// always the same, so most lookups are a pointer comparison.
struct AggregateCache {
  std::unordered_map<const Labels*, std::pair<LabelsPtr, std::size_t>> group_of;
  std::unordered_map<std::string, std::size_t> ids;
  std::vector<LabelsPtr> groups;
  std::vector<std::pair<const Labels*, std::size_t>> by_position;
};

}  // namespace obs::backend::query
