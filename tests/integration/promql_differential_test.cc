// Differential test of the reference backend's PromQL engine against a real
// Prometheus 2.42 (Debian package, started here on a free loopback port and
// stopped by PID). Identical deterministic data — counters with resets,
// gauges, classic histograms, a series that goes stale and one with gaps,
// many label values, NaN/±Inf samples, unicode label values: 70 minutes at
// a 15 s interval — is remote-written to both; then every query of the
// corpus in fixtures/promql/*.promql (templates, expanded here) runs on both
// as range queries (two steps) and instant queries (two times) and the
// answers are compared: success/error (errorType), resultType, label sets,
// timestamps and values (1e-5 relative, NaN == NaN).
//
// Mismatches are printed with both answers. The test fails on any mismatch
// whose query is not listed with a reason in docs/promql-compatibility.md
// (the `known-differences` block). OBS_PROMQL_FILTER=<substring> runs a
// subset; OBS_PROMQL_DUMP=1 prints every comparison.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/subprocess.h"
#include "obs/wire/remote_write.h"

#include <nlohmann/json.hpp>

namespace obs::testing {
namespace {

using nlohmann::json;

constexpr std::int64_t kStepMs = 15000;
constexpr int kPoints = 281;  // 70 minutes.

std::string Source(const std::string& rel) {
  return std::string(OBS_PROMQL_SOURCE_DIR) + "/" + rel;
}

// ---- Data ----------------------------------------------------------------

// A deterministic pseudo-random number in [0, 1) from two integers.
double Noise(std::int64_t ia, std::int64_t ib) {
  const auto a = static_cast<std::uint64_t>(ia);
  const auto b = static_cast<std::uint64_t>(ib);
  std::uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return static_cast<double>(x >> 11) / static_cast<double>(1ULL << 53);
}

struct DataSeries {
  std::vector<std::pair<std::string, std::string>> labels;
  // One entry per point index; nullopt = no sample.
  std::vector<std::optional<double>> values;
};

std::vector<DataSeries> MakeData() {
  std::vector<DataSeries> out;
  const char* jobs[] = {"api", "db"};
  // Counters; instance i1 resets twice, i3 once.
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 4; ++i) {
      DataSeries s{{{"__name__", "dt_counter_total"},
                    {"job", jobs[j]},
                    {"instance", "i" + std::to_string(i)}},
                   {}};
      double v = 10.0 * i;
      for (int p = 0; p < kPoints; ++p) {
        v += std::floor(Noise(j * 10 + i, p) * 20 * (j + 1));
        if ((i == 1 && (p == 100 || p == 200)) || (i == 3 && p == 150)) {
          v = std::floor(Noise(p, i) * 5);
        }
        s.values.push_back(v);
      }
      out.push_back(std::move(s));
    }
  }
  // Gauges, some negative, some zero.
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 4; ++i) {
      DataSeries s{
          {{"__name__", "dt_gauge"}, {"job", jobs[j]}, {"instance", "i" + std::to_string(i)}}, {}};
      for (int p = 0; p < kPoints; ++p) {
        double v = 50 * std::sin((p + 7 * i) / 20.0) + 10 * j - 5 * i;
        if (i == 2 && p % 10 == 0) {
          v = 0;
        }
        s.values.push_back(std::round(v * 100) / 100);
      }
      out.push_back(std::move(s));
    }
  }
  // Classic histograms.
  const char* bounds[] = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
  const double bound_values[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 1e300};
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 2; ++i) {
      std::vector<DataSeries> buckets;
      for (const char* b : bounds) {
        buckets.push_back({{{"__name__", "dt_latency_seconds_bucket"},
                            {"job", jobs[j]},
                            {"instance", "i" + std::to_string(i)},
                            {"le", b}},
                           {}});
      }
      DataSeries sum{{{"__name__", "dt_latency_seconds_sum"},
                      {"job", jobs[j]},
                      {"instance", "i" + std::to_string(i)}},
                     {}};
      DataSeries count{{{"__name__", "dt_latency_seconds_count"},
                        {"job", jobs[j]},
                        {"instance", "i" + std::to_string(i)}},
                       {}};
      std::vector<double> cum(7, 0);
      double total_sum = 0;
      double total = 0;
      for (int p = 0; p < kPoints; ++p) {
        const int observations = 5 + static_cast<int>(Noise(p, 100 + j * 2 + i) * 20);
        for (int o = 0; o < observations; ++o) {
          const double lat = std::exp(Noise(p * 31 + o, j * 2 + i) * 4 - 3.5) * (1 + j);
          total_sum += lat;
          total += 1;
          for (int b = 0; b < 7; ++b) {
            if (lat <= bound_values[b]) {
              cum[static_cast<std::size_t>(b)] += 1;
            }
          }
        }
        for (int b = 0; b < 7; ++b) {
          buckets[static_cast<std::size_t>(b)].values.push_back(cum[static_cast<std::size_t>(b)]);
        }
        sum.values.push_back(std::round(total_sum * 1000) / 1000);
        count.values.push_back(total);
      }
      for (auto& b : buckets) {
        out.push_back(std::move(b));
      }
      out.push_back(std::move(sum));
      out.push_back(std::move(count));
    }
  }
  // Intermittent: present, explicit stale marker, absent, present, a gap
  // longer than the lookback without a marker, present again.
  {
    DataSeries s{{{"__name__", "dt_intermittent"}, {"job", "batch"}}, {}};
    const double stale = std::bit_cast<double>(wire::kStaleNaNBits);
    for (int p = 0; p < kPoints; ++p) {
      if (p <= 60 || (p >= 140 && p <= 200) || p >= 260) {
        s.values.push_back(p % 7 + 1.5);
      } else if (p == 61) {
        s.values.push_back(stale);
      } else {
        s.values.push_back(std::nullopt);
      }
    }
    out.push_back(std::move(s));
  }
  // Many label values.
  for (int i = 0; i < 50; ++i) {
    DataSeries s{{{"__name__", "dt_many"},
                  {"idx", std::to_string(i)},
                  {"group", i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c")}},
                 {}};
    for (int p = 0; p < kPoints; ++p) {
      s.values.push_back(std::floor(Noise(i, p) * 1000) / 10);
    }
    out.push_back(std::move(s));
  }
  // Special values.
  const std::pair<const char*, double> specials[] = {
      {"nan", std::nan("")},
      {"inf", std::numeric_limits<double>::infinity()},
      {"neginf", -std::numeric_limits<double>::infinity()}};
  for (const auto& [kind, special] : specials) {
    DataSeries s{{{"__name__", "dt_special"}, {"kind", kind}}, {}};
    for (int p = 0; p < kPoints; ++p) {
      s.values.push_back(p % 4 == 0 ? special : static_cast<double>(p % 9));
    }
    out.push_back(std::move(s));
  }
  // Unicode and quotes in label values.
  {
    DataSeries s{{{"__name__", "dt_unicode"}, {"path", "/ä/ö/€"}, {"quote", "say \"hi\"\\"}}, {}};
    for (int p = 0; p < kPoints; ++p) {
      s.values.push_back(p * 0.5);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// ---- Corpus ----------------------------------------------------------------

// Expands the template files: `@set name = a | b | c` defines a placeholder;
// any other non-empty, non-comment line is a query whose `{{name}}`
// placeholders are replaced by every combination of their values.
std::vector<std::string> LoadCorpus() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(Source("fixtures/promql"))) {
    if (entry.path().extension() == ".promql") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& file : files) {
    std::map<std::string, std::vector<std::string>> sets;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') {
        continue;
      }
      if (line.rfind("@set ", 0) == 0) {
        const std::size_t eq = line.find(" = ");
        const std::string name = line.substr(5, eq - 5);
        std::vector<std::string> values;
        std::string rest = line.substr(eq + 3);
        std::size_t pos = 0;
        while (true) {
          const std::size_t bar = rest.find(" | ", pos);
          values.push_back(rest.substr(pos, bar == std::string::npos ? bar : bar - pos));
          if (bar == std::string::npos) {
            break;
          }
          pos = bar + 3;
        }
        sets[name] = values;
        continue;
      }
      std::vector<std::string> expanded = {line};
      bool changed = true;
      while (changed) {
        changed = false;
        std::vector<std::string> next;
        for (const std::string& q : expanded) {
          const std::size_t open = q.find("{{");
          if (open == std::string::npos) {
            next.push_back(q);
            continue;
          }
          const std::size_t close = q.find("}}", open);
          const std::string name = q.substr(open + 2, close - open - 2);
          const auto it = sets.find(name);
          if (it == sets.end()) {
            ADD_FAILURE() << file << ": unknown placeholder {{" << name << "}} in " << line;
            return {};
          }
          for (const std::string& v : it->second) {
            next.push_back(q.substr(0, open) + v + q.substr(close + 2));
          }
          changed = true;
        }
        expanded = std::move(next);
      }
      for (std::string& q : expanded) {
        if (seen.insert(q).second) {
          out.push_back(std::move(q));
        }
      }
    }
  }
  return out;
}

// Queries listed in docs/promql-compatibility.md's `known-differences` block
// (`<query> ## <reason>`).
std::map<std::string, std::string> KnownDifferences() {
  std::ifstream in(Source("docs/promql-compatibility.md"));
  std::map<std::string, std::string> out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "```known-differences") {
      inside = true;
      continue;
    }
    if (inside && line == "```") {
      break;
    }
    if (inside && !line.empty()) {
      const std::size_t sep = line.find(" ## ");
      if (sep != std::string::npos) {
        out[line.substr(0, sep)] = line.substr(sep + 4);
      }
    }
  }
  return out;
}

// ---- Comparison -------------------------------------------------------------

bool SameValue(const std::string& a, const std::string& b) {
  if (a == b) {
    return true;
  }
  const double x = std::strtod(a.c_str(), nullptr);
  const double y = std::strtod(b.c_str(), nullptr);
  if (std::isnan(x) || std::isnan(y) || std::isinf(x) || std::isinf(y)) {
    return (std::isnan(x) && std::isnan(y)) || x == y;
  }
  const double diff = std::fabs(x - y);
  return diff <= 1e-9 || diff <= 1e-5 * std::max(std::fabs(x), std::fabs(y));
}

// Why two answers differ, or "" if they match.
std::string Compare(const json& a, const json& b) {
  if (a.value("status", "") != b.value("status", "")) {
    return "status differs";
  }
  if (a["status"] == "error") {
    return a.value("errorType", "") == b.value("errorType", "") ? "" : "errorType differs";
  }
  const json& da = a["data"];
  const json& db = b["data"];
  if (da["resultType"] != db["resultType"]) {
    return "resultType differs";
  }
  const std::string type = da["resultType"];
  if (type == "scalar" || type == "string") {
    if (da["result"][0] != db["result"][0]) {
      return "timestamp differs";
    }
    return SameValue(da["result"][1], db["result"][1]) || type == "string" ? "" : "value differs";
  }
  auto index = [&](const json& result) {
    std::map<std::string, json> m;
    for (const json& s : result) {
      m[s["metric"].dump()] = type == "vector" ? json::array({s["value"]}) : s["values"];
    }
    return m;
  };
  const auto ma = index(da["result"]);
  const auto mb = index(db["result"]);
  if (ma.size() != mb.size()) {
    return "series count " + std::to_string(ma.size()) + " vs " + std::to_string(mb.size());
  }
  for (const auto& [labels, points] : ma) {
    const auto it = mb.find(labels);
    if (it == mb.end()) {
      return "series " + labels + " only on one side";
    }
    if (points.size() != it->second.size()) {
      return "point count differs for " + labels;
    }
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (points[i][0] != it->second[i][0]) {
        return "timestamp differs for " + labels;
      }
      if (!SameValue(points[i][1], it->second[i][1])) {
        return "value differs for " + labels + " at " + points[i][0].dump() + ": " +
               points[i][1].dump() + " vs " + it->second[i][1].dump();
      }
    }
  }
  return "";
}

std::string Truncate(const std::string& s) {
  return s.size() > 700 ? s.substr(0, 700) + "..." : s;
}

class PromqlDifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto prom = StartPrometheus(dir_->path());
    ASSERT_TRUE(prom.ok()) << prom.status();
    prometheus_ = new StartedPeer(std::move(prom).value());
    backend_ = new LoopbackBackend();
    ASSERT_TRUE(backend_->Start().ok());

    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    end_ms_ = now / 60000 * 60000 - 60000;
    start_ms_ = end_ms_ - (kPoints - 1) * kStepMs;
    const std::vector<DataSeries> data = MakeData();
    // Time-ordered batches of 20 points across every series, as a scraping
    // Prometheus would send them (Prometheus's head accepts only recent data).
    for (int from = 0; from < kPoints; from += 20) {
      std::vector<TestSeries> batch;
      for (const DataSeries& s : data) {
        TestSeries ts{s.labels, {}};
        for (int p = from; p < std::min(kPoints, from + 20); ++p) {
          if (s.values[static_cast<std::size_t>(p)]) {
            ts.samples.push_back({*s.values[static_cast<std::size_t>(p)], start_ms_ + p * kStepMs});
          }
        }
        if (!ts.samples.empty()) {
          batch.push_back(std::move(ts));
        }
      }
      const std::string body = RemoteWriteBody(batch);
      for (std::uint16_t port : {prometheus_->port, backend_->port()}) {
        auto r = Post(port, "/api/v1/write", body, RemoteWriteHeaders());
        ASSERT_TRUE(r.ok()) << r.status();
        ASSERT_EQ(r->status, 204) << "port " << port << ": " << r->body;
      }
    }
  }

  static void TearDownTestSuite() {
    delete backend_;
    delete prometheus_;
    delete dir_;
  }

  static json Ask(std::uint16_t port, const std::string& path) {
    auto r = Get(port, path);
    if (!r.ok()) {
      return json{{"status", "transport"}, {"error", r.status().message()}};
    }
    try {
      return json::parse(r->body);
    } catch (const std::exception&) {
      return json{{"status", "unparsable"}, {"error", r->body}};
    }
  }

  static TempDir* dir_;
  static StartedPeer* prometheus_;
  static LoopbackBackend* backend_;
  static std::int64_t start_ms_;
  static std::int64_t end_ms_;
};

TempDir* PromqlDifferentialTest::dir_ = nullptr;
StartedPeer* PromqlDifferentialTest::prometheus_ = nullptr;
LoopbackBackend* PromqlDifferentialTest::backend_ = nullptr;
std::int64_t PromqlDifferentialTest::start_ms_ = 0;
std::int64_t PromqlDifferentialTest::end_ms_ = 0;

std::string Seconds(std::int64_t ms) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(ms) / 1000);
  return buf;
}

TEST_F(PromqlDifferentialTest, CorpusAnswersLikePrometheus) {
  ASSERT_NE(prometheus_, nullptr);
  // Both sides hold all the data.
  const std::string check =
      "/api/v1/query?query=" +
      LoopbackBackend::UrlEncode("sum(count_over_time({__name__=~\"dt_.+\"}[3h]))") +
      "&time=" + Seconds(end_ms_);
  ASSERT_EQ(Ask(prometheus_->port, check)["data"], Ask(backend_->port(), check)["data"]);

  const std::vector<std::string> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 400u) << "the corpus must hold at least 400 queries after expansion";
  const auto known = KnownDifferences();
  const char* filter = std::getenv("OBS_PROMQL_FILTER");
  const bool dump = std::getenv("OBS_PROMQL_DUMP") != nullptr;

  struct Eval {
    std::string name;
    std::string params;
  };
  const std::int64_t range_start = end_ms_ - 3600000;
  const std::vector<Eval> evals = {
      {"range step 60s", "start=" + Seconds(range_start) + "&end=" + Seconds(end_ms_) + "&step=60"},
      {"range step 37s",
       "start=" + Seconds(range_start + 11000) + "&end=" + Seconds(end_ms_) + "&step=37"},
      {"instant end", "time=" + Seconds(end_ms_)},
      {"instant mid", "time=" + Seconds(end_ms_ - 1500000 + 7000)},
  };
  int compared = 0;
  int matched = 0;
  int tolerated = 0;
  std::vector<std::string> failures;
  std::set<std::string> queries_with_errors;
  for (const std::string& q : corpus) {
    if (filter != nullptr && q.find(filter) == std::string::npos) {
      continue;
    }
    for (const Eval& e : evals) {
      const bool range = e.name.rfind("range", 0) == 0;
      const std::string path = std::string(range ? "/api/v1/query_range" : "/api/v1/query") +
                               "?query=" + LoopbackBackend::UrlEncode(q) + "&" + e.params;
      const json want = Ask(prometheus_->port, path);
      const json got = Ask(backend_->port(), path);
      ++compared;
      if (want.value("status", "") == "error") {
        queries_with_errors.insert(q);
      }
      const std::string why = Compare(want, got);
      if (dump) {
        std::cout << (why.empty() ? "MATCH " : "DIFF  ") << e.name << ": " << q << "\n";
      }
      if (why.empty()) {
        ++matched;
        continue;
      }
      if (known.count(q) > 0) {
        ++tolerated;
        continue;
      }
      failures.push_back(q + "\n    (" + e.name + ") " + why + "\n    prometheus: " +
                         Truncate(want.dump()) + "\n    obsbench:   " + Truncate(got.dump()));
    }
  }
  std::cout << "PromQL differential: " << corpus.size() << " queries, compared " << compared
            << ", matched " << matched << ", known differences " << tolerated << ", mismatched "
            << failures.size() << " (" << queries_with_errors.size()
            << " queries are errors in Prometheus)\n";
  for (const std::string& f : failures) {
    std::cout << "MISMATCH " << f << "\n";
  }
  EXPECT_TRUE(failures.empty()) << failures.size() << " mismatches (listed above)";
  if (filter == nullptr) {
    EXPECT_GE(queries_with_errors.size(), 10u) << "the corpus must include failing queries";
  }
}

}  // namespace
}  // namespace obs::testing
