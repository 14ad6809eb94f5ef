// BatchBuilder caches each series' encoded labels and memoizes the value
// curves; these tests decode what it sends and compare it, bit for bit, with
// what the SeriesSet says, across batches, timestamps and churn.

#include "batch_builder.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "obs/loadgen/series_set.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

namespace obs::loadgen::internal {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;  // Unix ms.

SeriesSetOptions Options(double churn_seconds) {
  return {.models = {{.kind = "http_red", .routes = 3},
                     {.kind = "node", .cpus = 2, .filesystems = 2, .network_devices = 1},
                     {.kind = "process"}},
          .instances = 5,
          .seed = 7,
          .churn_interval_seconds = churn_seconds,
          .duration_seconds = churn_seconds > 0 ? 600.0 : 0.0,
          .run_id = "run-1",
          .extra_labels = {{"env", "test"}},
          .counter_reset_hours = 1,
          .start_ms = kT0};
}

struct Sent {
  std::uint32_t id;
  std::int64_t ts;
};

// Decodes `body` and checks it holds exactly `sent`, in order, with the set's
// labels and values.
void ExpectBatch(const SeriesSet& set, std::string_view body, const std::vector<Sent>& sent) {
  Result<std::string> raw = wire::SnappyUncompress(body, 64 << 20);
  ASSERT_TRUE(raw.ok()) << raw.status();
  Result<wire::WriteRequestView> view = wire::DecodeWriteRequest(*raw);
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_EQ(view->timeseries.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE("series " + std::to_string(sent[i].id) + " at " + std::to_string(sent[i].ts));
    const wire::TimeSeriesView& ts = view->timeseries[i];
    const std::vector<Label> labels = set.Labels(sent[i].id);
    ASSERT_EQ(ts.labels.size(), labels.size());
    for (std::size_t l = 0; l < labels.size(); ++l) {
      EXPECT_EQ(ts.labels[l].name, labels[l].name);
      EXPECT_EQ(ts.labels[l].value, labels[l].value);
    }
    ASSERT_EQ(ts.samples.size(), 1U);
    EXPECT_EQ(ts.samples[0].timestamp_ms, sent[i].ts);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(ts.samples[0].value),
              std::bit_cast<std::uint64_t>(set.Value(sent[i].id, sent[i].ts)));
  }
}

TEST(BatchBuilderTest, BatchesCarryTheSetsLabelsAndValuesBitForBit) {
  Result<SeriesSet> set = SeriesSet::Create(Options(0));
  ASSERT_TRUE(set.ok()) << set.status();
  BatchBuilder builder(set->model());
  const auto slots = static_cast<std::uint32_t>(set->slots());
  // Several scrape rounds (every batch repeats the slots, so later ones come
  // from the cache), some with one timestamp per batch, some with one per
  // sample, and batches that do not start at slot 0 (the lookup must not
  // assume an order).
  std::int64_t t = kT0;
  for (int round = 0; round < 6; ++round) {
    for (std::uint32_t first = 0; first < slots; first += 97) {
      builder.Reset();
      std::vector<Sent> sent;
      for (std::uint32_t id = first; id < std::min(first + 97, slots); ++id) {
        const std::int64_t ts = round % 2 == 0 ? t : t + id;
        builder.Add(id, ts);
        sent.push_back({id, ts});
      }
      EXPECT_EQ(builder.samples(), sent.size());
      ExpectBatch(*set, builder.Finish(), sent);
    }
    t += round == 3 ? 5'000'000 : 15'000;  // Crosses a modeled counter reset.
  }
  // Out of order and repeated ids in one batch.
  builder.Reset();
  std::vector<Sent> sent;
  for (std::uint32_t id : {slots - 1, 0U, 5U, 5U, slots / 2, 1U, 0U}) {
    builder.Add(id, t);
    sent.push_back({id, t});
  }
  ExpectBatch(*set, builder.Finish(), sent);
}

// The sender builds the next request while the last one is in flight (and
// may be resent): a body stays intact through the next batch's building.
TEST(BatchBuilderTest, ABodyStaysValidWhileTheNextBatchIsBuilt) {
  Result<SeriesSet> set = SeriesSet::Create(Options(0));
  ASSERT_TRUE(set.ok()) << set.status();
  BatchBuilder builder(set->model());
  const auto slots = static_cast<std::uint32_t>(set->slots());
  std::vector<Sent> previous_sent;
  std::string_view previous;
  std::int64_t t = kT0;
  for (int batch = 0; batch < 8; ++batch, t += 15'000) {
    builder.Reset();
    std::vector<Sent> sent;
    for (std::uint32_t id = 0; id < slots; id += 1 + static_cast<std::uint32_t>(batch % 3)) {
      builder.Add(id, t);
      sent.push_back({id, t});
    }
    const std::string_view body = builder.Finish();
    if (!previous.empty()) {
      SCOPED_TRACE("batch " + std::to_string(batch - 1) + " after batch " + std::to_string(batch));
      ExpectBatch(*set, previous, previous_sent);
    }
    ExpectBatch(*set, body, sent);
    previous = body;
    previous_sent = std::move(sent);
  }
}

TEST(BatchBuilderTest, ChurnedSlotsAreReEncoded) {
  Result<SeriesSet> set = SeriesSet::Create(Options(30));
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_GT(set->generations(), 2U);
  BatchBuilder builder(set->model());
  // Over the run every slot moves through its generations; the builder must
  // follow (new instance label, new process start) and keep the label bytes
  // of the live generation only: its memory may not grow with the run.
  std::size_t first_generation_bytes = 0;
  for (std::int64_t t = kT0; t < kT0 + 600'000; t += 7'000) {
    builder.Reset();
    std::vector<Sent> sent;
    for (std::size_t slot = 0; slot < set->slots(); ++slot) {
      const std::uint32_t id = set->SeriesId(slot, t);
      builder.Add(id, t);
      sent.push_back({id, t});
    }
    ExpectBatch(*set, builder.Finish(), sent);
    if (t == kT0) {
      first_generation_bytes = builder.label_bytes();
    }
    EXPECT_LE(builder.label_bytes(), first_generation_bytes * 3 / 2) << "at +" << t - kT0 << " ms";
  }
  EXPECT_GT(first_generation_bytes, 0U);
}

// The block decompresses to exactly the canonical protobuf of the same
// series, and the label deltas compress it at least about as well as
// snappy's own match finder does.
TEST(BatchBuilderTest, OutputIsTheCanonicalEncodingInASnappyBlock) {
  Result<SeriesSet> set = SeriesSet::Create(Options(0));
  ASSERT_TRUE(set.ok()) << set.status();
  const SeriesModel& model = set->model();
  BatchBuilder builder(model);
  wire::WriteRequestEncoder reference;
  for (std::int64_t t : {kT0, kT0 + 15'000, kT0 + 30'000}) {
    builder.Reset();
    reference.Reset();
    for (std::uint32_t id = 0; id < set->slots(); ++id) {
      builder.Add(id, t);
      reference.BeginSeries();
      model.ForEachLabel(id,
                         [&](std::string_view n, std::string_view v) { reference.AddLabel(n, v); });
      reference.AddSample(model.Value(id, t), t);
      reference.EndSeries();
    }
    const std::string_view body = builder.Finish();
    Result<std::string> raw = wire::SnappyUncompress(body, 64 << 20);
    ASSERT_TRUE(raw.ok()) << raw.status();
    const std::string_view canonical = reference.Finish();
    EXPECT_EQ(*raw, canonical);
    const std::size_t snappy_size = wire::SnappyCompress(canonical).size();
    EXPECT_LE(body.size(), snappy_size * 11 / 10)
        << "deltas " << body.size() << " bytes, snappy " << snappy_size;
    EXPECT_LT(body.size(), canonical.size() / 4);
  }
}

// A slot that churns between two appearances in one batch: its second
// series may not be written as a delta against the first one's labels as
// they are now (rewritten), but as they were sent.
TEST(BatchBuilderTest, SlotChurnedWithinABatchIsWrittenWithoutAStaleDelta) {
  Result<SeriesSet> set = SeriesSet::Create(Options(30));
  ASSERT_TRUE(set.ok()) << set.status();
  BatchBuilder builder(set->model());
  const std::uint32_t g0 = set->SeriesId(0, kT0);
  const std::uint32_t g1 = set->SeriesId(0, kT0 + 31'000);
  const std::uint32_t g2 = set->SeriesId(0, kT0 + 61'000);
  ASSERT_NE(g0, g1);
  ASSERT_NE(g1, g2);
  for (int round = 0; round < 2; ++round) {
    builder.Reset();
    const std::vector<Sent> sent = {{g0, kT0},    {g0, kT0 + 1}, {g1, kT0 + 2}, {g1, kT0 + 3},
                                    {1, kT0 + 4}, {g2, kT0 + 5}, {g0, kT0 + 6}};
    for (const Sent& s : sent) {
      builder.Add(s.id, s.ts);
    }
    ExpectBatch(*set, builder.Finish(), sent);
  }
}

}  // namespace
}  // namespace obs::loadgen::internal
