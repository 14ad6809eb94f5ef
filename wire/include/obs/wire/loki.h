// The Loki push API (`POST /loki/api/v1/push`) in both of its encodings,
// shared by the load generator and the reference backend (docs/wire.md):
//
//   * JSON: {"streams":[{"stream":{"k":"v"},"values":[["<ns>","<line>",{meta}]]}]}
//     with the timestamp a decimal string of Unix nanoseconds (a number is
//     rejected, as Loki does) and optional structured metadata;
//   * protobuf (logproto.PushRequest), snappy block-compressed: stream labels
//     travel as Prometheus label-set text, `{job="x",foo="bar"}`.
//
// Decoders accept arbitrary bytes and fail with kInvalidArgument naming the
// place ("loki push: streams[2].values[7][0]: ..."); they never crash.
//
// Thread safety: plain values and pure functions.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"
#include "obs/wire/remote_write.h"

namespace obs::wire::loki {

inline constexpr std::string_view kPushPath = "/loki/api/v1/push";

struct Entry {
  std::int64_t timestamp_ns = 0;
  std::string line;
  std::vector<Label> structured_metadata;
  friend bool operator==(const Entry& a, const Entry& b) {
    return a.timestamp_ns == b.timestamp_ns && a.line == b.line &&
           SameLabels(a.structured_metadata, b.structured_metadata);
  }
  static bool SameLabels(const std::vector<Label>& a, const std::vector<Label>& b);
};

struct Stream {
  std::vector<Label> labels;  // In the order given; the backend sorts.
  std::vector<Entry> entries;
  friend bool operator==(const Stream& a, const Stream& b) {
    return Entry::SameLabels(a.labels, b.labels) && a.entries == b.entries;
  }
};

struct PushRequest {
  std::vector<Stream> streams;
  friend bool operator==(const PushRequest& a, const PushRequest& b) = default;
};

// `{a="b",c="d"}` with values escaped as in PromQL; labels in the given order.
std::string LabelsText(const std::vector<Label>& labels);
// Parses label-set text (`{}` allowed, whitespace and a trailing comma too).
// kInvalidArgument naming the offset otherwise.
Result<std::vector<Label>> ParseLabelsText(std::string_view text);

// Appends the uncompressed protobuf PushRequest to `out`.
void EncodePushProto(const PushRequest& request, std::string& out);
// Appends the JSON form to `out`.
void EncodePushJson(const PushRequest& request, std::string& out);

// Decodes an *uncompressed* protobuf PushRequest (the caller has undone
// snappy, and gzip/deflate if the Content-Encoding said so).
Result<PushRequest> DecodePushProto(std::string_view bytes);
Result<PushRequest> DecodePushJson(std::string_view json);

}  // namespace obs::wire::loki
