// Storage under concurrent appends and reads: nothing lost, reads always see
// an ordered prefix of each series.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "store/storage.h"

namespace obs::backend {
namespace {

constexpr int kSeriesPerWriter = 50;
constexpr int kRequests = 400;

// Writer `w` appends one sample to each of its series per request, and every
// request also touches one series shared by both writers (by timestamp it
// can conflict, so the shared series uses a per-writer label).
void Writer(Storage& storage, int w, std::atomic<int>& failures) {
  std::vector<std::string> ids;
  for (int i = 0; i < kSeriesPerWriter; ++i) {
    ids.push_back(std::to_string(i));
  }
  const std::string writer = std::to_string(w);
  for (int r = 0; r < kRequests; ++r) {
    wire::WriteRequestView req;
    for (int i = 0; i < kSeriesPerWriter; ++i) {
      wire::TimeSeriesView ts;
      ts.labels = {
          {"__name__", "load"}, {"series", ids[static_cast<std::size_t>(i)]}, {"writer", writer}};
      ts.samples = {{static_cast<double>(r), std::int64_t{r} * 1000}};
      req.timeseries.push_back(std::move(ts));
    }
    if (!storage.Append(req).ok()) {
      failures.fetch_add(1);
    }
  }
}

TEST(StorageConcurrencyTest, TwoWritersAndAReaderLoseNothing) {
  Storage storage;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::atomic<int> bad_reads{0};
  auto m = Matcher::Create(MatchType::kEqual, "__name__", "load");
  ASSERT_OK(m);
  std::thread reader([&] {
    while (!done.load()) {
      for (const SeriesRef& s : storage.Select({*m}, INT64_MIN, INT64_MAX)) {
        const auto samples = s.Samples(INT64_MIN, INT64_MAX);
        for (std::size_t i = 0; i < samples.size(); ++i) {
          if (samples[i].timestamp_ms != static_cast<std::int64_t>(i) * 1000) {
            bad_reads.fetch_add(1);
          }
        }
      }
      (void)storage.LabelValues("series", {}, INT64_MIN, INT64_MAX);
    }
  });
  std::thread w0(Writer, std::ref(storage), 0, std::ref(failures));
  std::thread w1(Writer, std::ref(storage), 1, std::ref(failures));
  w0.join();
  w1.join();
  done.store(true);
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(bad_reads.load(), 0);
  EXPECT_EQ(storage.stats().series, 2u * kSeriesPerWriter);
  EXPECT_EQ(storage.stats().samples, 2u * kSeriesPerWriter * kRequests);
  for (const SeriesRef& s : storage.Select({*m}, INT64_MIN, INT64_MAX)) {
    EXPECT_EQ(s.Samples(INT64_MIN, INT64_MAX).size(), static_cast<std::size_t>(kRequests));
  }
}

TEST(StorageConcurrencyTest, RacingWritersOnOneSeriesKeepItOrdered) {
  Storage storage;
  auto writer = [&](int parity) {
    for (int i = 0; i < 2000; ++i) {
      wire::WriteRequestView req;
      req.timeseries.push_back({{{"__name__", "shared"}}, {{1.0, std::int64_t{i} * 2 + parity}}});
      (void)storage.Append(req);  // Some fail as out of order; that is the point.
    }
  };
  std::thread a(writer, 0);
  std::thread b(writer, 1);
  a.join();
  b.join();
  const auto series = storage.Select({}, INT64_MIN, INT64_MAX);
  ASSERT_EQ(series.size(), 1u);
  const auto samples = series[0].Samples(INT64_MIN, INT64_MAX);
  EXPECT_EQ(samples.size(), storage.stats().samples);
  for (std::size_t i = 1; i < samples.size(); ++i) {
    EXPECT_LT(samples[i - 1].timestamp_ms, samples[i].timestamp_ms) << "at " << i;
  }
}

}  // namespace
}  // namespace obs::backend
