// Test helpers for the wire tests: a plain model of a WriteRequest's content,
// conversions between it and the encoder, the decoder's views and the
// protobuf-generated classes (the oracle), a canonical text form for readable
// comparisons, and a seeded random request generator.
//
// Thread safety: test-only; no shared state.

#pragma once

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "obs/wire/remote_write.h"

#include "wire/proto/remote.pb.h"

namespace obs::wire::oracle {

struct SeriesData {
  std::vector<Label> labels;
  std::vector<Sample> samples;
};
using RequestData = std::vector<SeriesData>;

// The seed for randomized tests: OBS_TEST_SEED if set, else a fixed default,
// so failures reproduce. Tests print it with SCOPED_TRACE.
inline std::uint64_t TestSeed() {
  const char* env = std::getenv("OBS_TEST_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 20240611ULL;
}

// One line per series; sample values as hex bits so NaN payloads compare.
inline std::string Canonical(const RequestData& request) {
  std::ostringstream out;
  for (const SeriesData& series : request) {
    out << "{";
    for (const Label& l : series.labels) {
      out << l.name << "=" << l.value << ",";
    }
    out << "}";
    for (const Sample& s : series.samples) {
      out << " " << std::hex << std::bit_cast<std::uint64_t>(s.value) << std::dec << "@"
          << s.timestamp_ms;
    }
    out << "\n";
  }
  return out.str();
}

inline std::string Encode(const RequestData& request, WriteRequestEncoder& encoder) {
  encoder.Reset();
  for (const SeriesData& series : request) {
    encoder.BeginSeries();
    for (const Label& l : series.labels) {
      encoder.AddLabel(l.name, l.value);
    }
    for (const Sample& s : series.samples) {
      encoder.AddSample(s.value, s.timestamp_ms);
    }
    encoder.EndSeries();
  }
  return std::string(encoder.Finish());
}

inline prometheus::WriteRequest ToProto(const RequestData& request) {
  prometheus::WriteRequest proto;
  for (const SeriesData& series : request) {
    prometheus::TimeSeries* ts = proto.add_timeseries();
    for (const Label& l : series.labels) {
      prometheus::Label* label = ts->add_labels();
      label->set_name(l.name);
      label->set_value(l.value);
    }
    for (const Sample& s : series.samples) {
      prometheus::Sample* sample = ts->add_samples();
      sample->set_value(s.value);
      sample->set_timestamp(s.timestamp_ms);
    }
  }
  return proto;
}

inline RequestData FromProto(const prometheus::WriteRequest& proto) {
  RequestData request;
  for (const prometheus::TimeSeries& ts : proto.timeseries()) {
    SeriesData& series = request.emplace_back();
    for (const prometheus::Label& l : ts.labels()) {
      series.labels.push_back({l.name(), l.value()});
    }
    for (const prometheus::Sample& s : ts.samples()) {
      series.samples.push_back({s.value(), s.timestamp()});
    }
  }
  return request;
}

inline RequestData FromView(const WriteRequestView& view) {
  RequestData request;
  for (const TimeSeriesView& ts : view.timeseries) {
    SeriesData& series = request.emplace_back();
    for (const LabelView& l : ts.labels) {
      series.labels.push_back({std::string(l.name), std::string(l.value)});
    }
    series.samples = ts.samples;
  }
  return request;
}

// Values that stress the encoding: zero and negative zero (omitted / not
// omitted by proto3), NaN payloads, infinities, extremes.
inline double RandomValue(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      return 0.0;
    case 1:
      return -0.0;
    case 2:
      return StaleNaN();
    case 3:
      return std::bit_cast<double>(0x7ff8000000000000ULL | (rng() & 0xfffffULL));
    case 4:
      return (rng() % 2 != 0 ? 1 : -1) * std::numeric_limits<double>::infinity();
    default:
      return std::bit_cast<double>(rng());  // Any bit pattern at all.
  }
}

inline std::int64_t RandomTimestamp(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0:
      return 0;
    case 1:
      return -static_cast<std::int64_t>(rng() % 1000000);
    case 2:
      return static_cast<std::int64_t>(rng());  // Any 64-bit value.
    default:
      return 1700000000000 + static_cast<std::int64_t>(rng() % 100000000);
  }
}

// ASCII, multi-byte UTF-8 and occasionally empty or long strings.
inline std::string RandomText(std::mt19937_64& rng) {
  static const char* const kPieces[] = {"a",  "_", "Z",    "9",    ":", " ",
                                        "\n", "é", "日本", "🙂", "x"};
  const std::size_t n = rng() % 10 == 0 ? 200 + rng() % 300 : rng() % 12;
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += kPieces[rng() % std::size(kPieces)];
  }
  return s;
}

// Hand-built protobuf fragments, for inputs the runtime would never write.
inline std::string Varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
inline std::string Tag(std::uint32_t field, std::uint32_t wire_type) {
  return Varint((std::uint64_t{field} << 3) | wire_type);
}
inline std::string Len(std::uint32_t field, const std::string& body) {
  return Tag(field, 2) + Varint(body.size()) + body;
}
inline std::string Fixed64(std::uint32_t field, std::uint64_t bits) {
  std::string out = Tag(field, 1);
  for (int i = 0; i < 8; ++i) {
    out += static_cast<char>(bits >> (8 * i));
  }
  return out;
}

inline RequestData RandomRequest(std::mt19937_64& rng) {
  RequestData request(rng() % 6);
  for (SeriesData& series : request) {
    series.labels.resize(rng() % 10);
    for (Label& l : series.labels) {
      l = {RandomText(rng), RandomText(rng)};
    }
    series.samples.resize(rng() % 5);
    for (Sample& s : series.samples) {
      s = {RandomValue(rng), RandomTimestamp(rng)};
    }
  }
  return request;
}

}  // namespace obs::wire::oracle
