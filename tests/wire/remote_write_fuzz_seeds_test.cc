// Generates and checks the fuzzer seeds in fixtures/fuzz-seeds/remote_write/.
// Run with OBS_UPDATE_GOLDEN=1 to (re)write them; otherwise the test checks
// that the files on disk still hold what this generator makes.

#include <bit>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

#include "remote_write_oracle.h"

namespace obs::wire {
namespace {

struct Seed {
  std::string name;
  std::string protobuf;  // The uncompressed request.
  bool compressed;       // Whether the file holds the snappy block of it.
};

oracle::RequestData ScrapeRequest() {
  oracle::RequestData request;
  for (int i = 0; i < 3; ++i) {
    request.push_back({.labels = {{"__name__", "http_requests_total"},
                                  {"code", std::to_string(200 + i)},
                                  {"instance", "127.0.0.1:9100"},
                                  {"job", "api"},
                                  {"method", "GET"},
                                  {"namespace", "prod"},
                                  {"pod", "api-7d9f-x" + std::to_string(i)},
                                  {"region", "eu-west-1"}},
                       .samples = {{1000.0 + i, 1700000000000 + i}}});
  }
  return request;
}

std::string FullRequest() {
  prometheus::WriteRequest proto = oracle::ToProto(ScrapeRequest());
  proto.add_metadata()->set_help("requests served");
  prometheus::TimeSeries* ts = proto.mutable_timeseries(0);
  ts->add_exemplars()->set_value(0.25);
  prometheus::Histogram* h = ts->add_histograms();
  h->set_count_int(3);
  h->add_positive_spans()->set_length(2);
  h->add_positive_deltas(1);
  h->add_positive_deltas(-1);
  proto.GetReflection()->MutableUnknownFields(&proto)->AddGroup(99)->AddVarint(1, 2);
  return proto.SerializeAsString();
}

std::vector<Seed> Seeds() {
  WriteRequestEncoder encoder;
  const std::string scrape = oracle::Encode(ScrapeRequest(), encoder);
  const std::string special =
      oracle::Encode({{.labels = {{"__name__", "stale"}, {"unicode", "日本 🙂"}},
                       .samples = {{StaleNaN(), std::numeric_limits<std::int64_t>::min()},
                                   {-std::numeric_limits<double>::infinity(), -1},
                                   {-0.0, 0}}}},
                     encoder);
  const std::string full = FullRequest();
  return {
      {"empty.pb", "", false},         {"scrape.pb", scrape, false},
      {"scrape.snappy", scrape, true}, {"special_values.snappy", special, true},
      {"full.pb", full, false},        {"full.snappy", full, true},
  };
}

std::filesystem::path SeedDir() {
  const char* source = std::getenv("OBS_SOURCE_DIR");
  return std::filesystem::path(source != nullptr ? source : ".") /
         "fixtures/fuzz-seeds/remote_write";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(RemoteWriteFuzzSeedsTest, SeedFilesMatchTheGenerator) {
  const bool update = std::getenv("OBS_UPDATE_GOLDEN") != nullptr;
  for (const Seed& seed : Seeds()) {
    SCOPED_TRACE(seed.name);
    const std::filesystem::path path = SeedDir() / seed.name;
    if (update) {
      std::filesystem::create_directories(SeedDir());
      std::ofstream(path, std::ios::binary)
          << (seed.compressed ? SnappyCompress(seed.protobuf) : seed.protobuf);
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " (run with OBS_UPDATE_GOLDEN=1)";
    std::string bytes = ReadFile(path);
    if (seed.compressed) {
      ASSERT_OK_AND_ASSIGN(bytes, SnappyUncompress(bytes, 1 << 20));
    }
    EXPECT_EQ(bytes, seed.protobuf);
    EXPECT_OK(DecodeWriteRequest(bytes));
  }
}

}  // namespace
}  // namespace obs::wire
