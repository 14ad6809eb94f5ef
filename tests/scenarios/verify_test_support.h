// Setup shared by the read-back verification tests: an embedded backend on
// 127.0.0.1:0, a small serial remote-write load into it, and the remote-write
// and query clients that talk to it. Every helper aborts the test binary
// (OBS_CHECK) when its setup fails, since nothing after it could run.
//
// Thread safety: test-only; the functions touch no shared state.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "obs/backend/server.h"
#include "obs/base/check.h"
#include "obs/base/clock.h"
#include "obs/loadgen/remote_write.h"

#include "verify/query_client.h"

namespace obs::scenarios::testing {

// Starts the embedded backend, with the drop_every_nth_sample fault when it is not 0.
inline std::unique_ptr<backend::Server> StartBackend(std::uint64_t drop_every_nth_sample = 0) {
  backend::ServerOptions options;
  options.faults.drop_every_nth_sample = drop_every_nth_sample;
  auto server = backend::Server::Start(options);
  OBS_CHECK(server.ok()) << server.status();
  return std::move(server).value();
}

struct SmallLoad {
  int instances = 0;
  std::uint64_t seed = 0;
  std::string run_id;
};

// About 5 scrapes of `load.instances` instances x the http_red model (2 routes), serially.
inline loadgen::RemoteWriteResult WriteSmallLoad(const std::string& base_url,
                                                 const SmallLoad& load) {
  loadgen::ModelOptions model;
  model.kind = "http_red";
  model.routes = 2;
  loadgen::RemoteWriteOptions options;
  options.url = base_url + "/api/v1/write";
  options.series.models = {model};
  options.series.instances = load.instances;
  options.series.seed = load.seed;
  options.series.run_id = load.run_id;
  options.scrape_interval_seconds = 0.2;
  options.duration_seconds = 1;
  options.concurrency = 1;
  auto result = loadgen::RunRemoteWrite(options, RealClock());
  OBS_CHECK(result.ok()) << result.status();
  return std::move(result).value();
}

// A remote-write client for the full write `url`.
inline loadgen::RemoteWriteClient WriterFor(const std::string& url) {
  auto writer = loadgen::RemoteWriteClient::Create(url, {}, "", 5);
  OBS_CHECK(writer.ok()) << writer.status();
  return std::move(writer).value();
}

inline QueryClient ClientFor(const std::string& base_url) {
  QueryClientOptions options;
  options.base_url = base_url;
  auto client = QueryClient::Create(options);
  OBS_CHECK(client.ok()) << client.status();
  return std::move(client).value();
}

}  // namespace obs::scenarios::testing
