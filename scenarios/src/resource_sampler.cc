#include "resource_sampler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "obs/base/check.h"
#include "obs/base/process_stats.h"

namespace obs::scenarios {

ResourceSeries::ResourceSeries(std::string name, std::int64_t pid, std::size_t max_samples)
    : max_samples_(max_samples) {
  OBS_CHECK(max_samples >= 2) << "max_samples must be >= 2";
  out_.name = std::move(name);
  out_.pid = pid;
}

void ResourceSeries::Add(double t_seconds, double cpu_seconds, std::uint64_t rss_bytes,
                         std::uint64_t rss_peak_bytes) {
  out_.rss_max_bytes = std::max({out_.rss_max_bytes, rss_bytes, rss_peak_bytes});
  last_t_ = t_seconds;
  last_cpu_ = cpu_seconds;
  if (readings_++ == 0) {
    first_t_ = emitted_t_ = t_seconds;
    first_cpu_ = emitted_cpu_ = cpu_seconds;
    return;
  }
  ++pending_;
  pending_rss_max_ = std::max(pending_rss_max_, rss_bytes);
  if (pending_ >= stride_) {
    Emit();
  }
}

void ResourceSeries::Emit() {
  const double dt = last_t_ - emitted_t_;
  const double cores = dt > 0 ? std::max(0.0, last_cpu_ - emitted_cpu_) / dt : 0;
  out_.samples.push_back({.t_seconds = last_t_, .cpu_cores = cores, .rss_bytes = pending_rss_max_});
  emitted_t_ = last_t_;
  emitted_cpu_ = last_cpu_;
  pending_ = 0;
  pending_rss_max_ = 0;
  std::vector<ResourceSample>& s = out_.samples;
  if (s.size() < max_samples_) {
    return;
  }
  // Full: merge adjacent pairs; from now on a sample covers twice the readings.
  std::vector<ResourceSample> merged;
  merged.reserve(s.size() / 2 + 1);
  double start = first_t_;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    if (i + 1 == s.size()) {
      merged.push_back(s[i]);
      break;
    }
    const double d1 = s[i].t_seconds - start;
    const double d2 = s[i + 1].t_seconds - s[i].t_seconds;
    const double d = d1 + d2;
    merged.push_back({.t_seconds = s[i + 1].t_seconds,
                      .cpu_cores = d > 0 ? (s[i].cpu_cores * d1 + s[i + 1].cpu_cores * d2) / d
                                         : (s[i].cpu_cores + s[i + 1].cpu_cores) / 2,
                      .rss_bytes = std::max(s[i].rss_bytes, s[i + 1].rss_bytes)});
    start = s[i + 1].t_seconds;
  }
  s = std::move(merged);
  stride_ *= 2;
}

ProcessResources ResourceSeries::Finish() {
  if (pending_ > 0) {
    Emit();
  }
  const double dt = last_t_ - first_t_;
  out_.cpu_seconds = readings_ >= 2 ? std::max(0.0, last_cpu_ - first_cpu_) : 0;
  out_.cpu_cores_mean = dt > 0 ? out_.cpu_seconds / dt : 0;
  return out_;
}

std::unique_ptr<ResourceSampler> ResourceSampler::Start(ResourceSamplerOptions options) {
  OBS_CHECK(options.interval_seconds > 0) << "interval_seconds must be > 0";
  OBS_CHECK(options.max_samples >= 2) << "max_samples must be >= 2";
  std::unique_ptr<ResourceSampler> s(new ResourceSampler(std::move(options)));
  for (const Watched& w : s->watched_) {
    if (w.process.include_peak && w.process.pid == getpid()) {
      (void)ResetPeakRss();  // The peak then covers this sampling (each --repeat run) only.
    }
  }
  s->ReadAll();
  s->thread_ = std::thread([p = s.get()] { p->Loop(); });
  return s;
}

ResourceSampler::ResourceSampler(ResourceSamplerOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      zero_(clock_.SteadyNow()) {
  watched_.reserve(options_.processes.size());
  for (const WatchedProcess& p : options_.processes) {
    watched_.push_back({.process = p,
                        .series = ResourceSeries(p.name, p.pid, options_.max_samples),
                        .gone = false});
  }
}

ResourceSampler::~ResourceSampler() {
  (void)Stop();
}

void ResourceSampler::ReadAll() {
  const double t = std::chrono::duration<double>(clock_.SteadyNow() - zero_).count();
  for (Watched& w : watched_) {
    if (w.gone) {
      continue;
    }
    Result<ProcessStats> s = ReadProcessStats(w.process.pid);
    const std::string who =
        "watch " + w.process.name + " (pid " + std::to_string(w.process.pid) + ")";
    if (s.ok() && s->state != 'Z' && s->state != 'X') {
      w.series.Add(t, s->cpu_seconds, s->rss_bytes, w.process.include_peak ? s->rss_peak_bytes : 0);
      continue;
    }
    w.gone = true;
    if (w.series.readings() == 0) {
      warnings_.push_back(who + ": " +
                          (s.ok() ? std::string("not running (zombie)") : s.status().message()) +
                          "; not sampled");
    } else {
      warnings_.push_back(who + ": exited during the run; sampled until " +
                          std::to_string(static_cast<long long>(w.series.last_t_seconds())) + " s");
    }
  }
}

void ResourceSampler::Loop() {
  const auto interval = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(options_.interval_seconds));
  auto next = SteadyClock::now() + interval;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_until(lock, next, [this] { return stopping_; })) {
    lock.unlock();
    ReadAll();
    lock.lock();
    next += interval;
    const auto now = SteadyClock::now();
    if (next < now) {
      next = now + interval;  // Fell behind (a suspended process): skip, don't burst.
    }
  }
}

ResourceUsage ResourceSampler::Stop() {
  if (stopped_) {
    return result_;
  }
  stopped_ = true;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  // A last reading covers the end of the run, unless one was just taken
  // (CPU time has 10 ms ticks: a very short interval would be noise).
  const double t = std::chrono::duration<double>(clock_.SteadyNow() - zero_).count();
  const bool recent = std::any_of(watched_.begin(), watched_.end(), [&](const Watched& w) {
    return !w.gone && w.series.readings() >= 2 &&
           t - w.series.last_t_seconds() < options_.interval_seconds / 2;
  });
  if (!recent) {
    ReadAll();
  }
  for (Watched& w : watched_) {
    if (w.series.readings() > 0) {
      result_.processes.push_back(w.series.Finish());
    }
  }
  result_.warnings = warnings_;
  return result_;
}

}  // namespace obs::scenarios
