// The read path of Storage: postings intersection, label names and values.

#include <algorithm>
#include <iterator>
#include <set>

#include "store/storage.h"
#include "store/storage_impl.h"

namespace obs::backend {

using internal::MemSeries;

namespace {

bool MatchesAll(const MemSeries& series, const std::vector<Matcher>& matchers) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const Matcher& m) { return m.Matches(series.LabelValue(m.name)); });
}

std::vector<std::uint64_t> Intersect(const std::vector<std::uint64_t>& a,
                                     const std::vector<std::uint64_t>& b) {
  std::vector<std::uint64_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

// Postings are intersected for matchers that reject the empty string (they
// need the label to exist); the remaining matchers filter the candidates.
std::vector<std::shared_ptr<const MemSeries>> Storage::Impl::Candidates(
    const std::vector<Matcher>& matchers) const {
  std::shared_lock lock(index_mu);
  std::vector<std::uint64_t> ids;
  bool narrowed = false;
  for (const Matcher& m : matchers) {
    if (m.Matches("")) {
      continue;
    }
    std::vector<std::uint64_t> set;
    if (auto name_it = postings.find(m.name); name_it != postings.end()) {
      if (m.type == MatchType::kEqual) {
        if (auto v = name_it->second.find(m.value); v != name_it->second.end()) {
          set = v->second;
        }
      } else {
        for (const auto& [value, list] : name_it->second) {
          if (m.Matches(value)) {
            set.insert(set.end(), list.begin(), list.end());
          }
        }
        std::sort(set.begin(), set.end());
      }
    }
    ids = narrowed ? Intersect(ids, set) : std::move(set);
    narrowed = true;
    if (ids.empty()) {
      return {};
    }
  }
  std::vector<std::shared_ptr<const MemSeries>> out;
  auto consider = [&](const std::shared_ptr<MemSeries>& s) {
    if (MatchesAll(*s, matchers)) {
      out.push_back(s);
    }
  };
  if (narrowed) {
    for (const std::uint64_t id : ids) {
      consider(by_id[id]);
    }
  } else {
    for (const auto& s : by_id) {
      consider(s);
    }
  }
  return out;
}

std::vector<SeriesRef> Storage::Select(const std::vector<Matcher>& matchers, std::int64_t mint_ms,
                                       std::int64_t maxt_ms) const {
  std::vector<std::shared_ptr<const MemSeries>> found;
  for (auto& s : impl_->Candidates(matchers)) {
    if (s->HasSampleIn(mint_ms, maxt_ms)) {
      found.push_back(std::move(s));
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return MemSeries::CompareLabels(*a, *b) < 0; });
  std::vector<SeriesRef> out;
  out.reserve(found.size());
  for (auto& s : found) {
    out.emplace_back(std::move(s));
  }
  return out;
}

std::vector<std::shared_ptr<const MemSeries>> Storage::Impl::Matching(
    const std::vector<std::vector<Matcher>>& match_sets, std::int64_t mint,
    std::int64_t maxt) const {
  std::vector<std::shared_ptr<const MemSeries>> chosen;
  if (match_sets.empty()) {
    std::shared_lock lock(index_mu);
    chosen.assign(by_id.begin(), by_id.end());
  } else {
    for (const auto& set : match_sets) {
      auto c = Candidates(set);
      chosen.insert(chosen.end(), c.begin(), c.end());
    }
    std::sort(chosen.begin(), chosen.end(),
              [](const auto& a, const auto& b) { return a->id() < b->id(); });
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  }
  std::erase_if(chosen, [&](const auto& s) { return !s->HasSampleIn(mint, maxt); });
  return chosen;
}

std::vector<std::string> Storage::LabelNames(const std::vector<std::vector<Matcher>>& match_sets,
                                             std::int64_t mint_ms, std::int64_t maxt_ms) const {
  std::set<std::string, std::less<>> names;
  for (const auto& s : impl_->Matching(match_sets, mint_ms, maxt_ms)) {
    s->ForEachLabel([&](std::string_view name, std::string_view) {
      if (names.find(name) == names.end()) {
        names.emplace(name);
      }
    });
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> Storage::LabelValues(std::string_view name,
                                              const std::vector<std::vector<Matcher>>& match_sets,
                                              std::int64_t mint_ms, std::int64_t maxt_ms) const {
  std::set<std::string, std::less<>> values;
  for (const auto& s : impl_->Matching(match_sets, mint_ms, maxt_ms)) {
    if (const std::string_view v = s->LabelValue(name); !v.empty()) {
      values.emplace(v);
    }
  }
  return {values.begin(), values.end()};
}

}  // namespace obs::backend
