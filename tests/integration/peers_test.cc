// The same remote-write scenario against real peers installed from Debian by
// ci/setup.sh, each started here on a free loopback port with a temporary
// data directory and stopped by PID: Prometheus 2.42 and VictoriaMetrics
// 1.79.5. Every acknowledged sample must be found again.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

void ExpectCompleteRunAgainst(const StartedPeer& peer, const std::string& out,
                              const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"run",   SourcePath("fixtures/scenarios/peer_remote_write.yaml"),
                                   "--out", out,
                                   "--set", "target.kind=prometheus",
                                   "--set", "target.write_url=" + peer.write_url,
                                   "--set", "target.query_url=" + peer.base_url};
  args.insert(args.end(), extra.begin(), extra.end());
  const ProcessResult r = RunObsbench(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << peer.process.LogTail();
  const nlohmann::json report = ReadReport(out);
  const auto& c = report["completeness"];
  ASSERT_TRUE(c["checked"].get<bool>());
  EXPECT_GT(c["samples_expected"].get<std::uint64_t>(), 1000u);
  EXPECT_EQ(c["samples_found"], c["samples_expected"]);
  EXPECT_EQ(c["samples_missing"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(c["samples_duplicated"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(c["series_unexpected"].get<std::uint64_t>(), 0u);
}

TEST(PeersTest, PrometheusFindsEveryAcknowledgedSample) {
  TempDir dir;
  auto peer = StartPrometheus(dir.path());
  ASSERT_TRUE(peer.ok()) << peer.status();
  ExpectCompleteRunAgainst(*peer, dir.path() + "/out", {});
}

TEST(PeersTest, VictoriaMetricsFindsEveryAcknowledgedSample) {
  TempDir dir;
  auto peer = StartVictoriaMetrics(dir.path());
  ASSERT_TRUE(peer.ok()) << peer.status();
  ExpectCompleteRunAgainst(
      *peer, dir.path() + "/out",
      {"--set", "target.flush_url=" + peer->base_url + "/internal/force_flush"});
}

}  // namespace
}  // namespace obs::testing
