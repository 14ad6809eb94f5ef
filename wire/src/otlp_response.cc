// OTLP export responses (partial success) and google.rpc.Status failure
// bodies, in both encodings.

#include "obs/wire/json_parse.h"
#include "obs/wire/json_text.h"
#include "obs/wire/otlp.h"

#include "proto_io.h"

namespace obs::wire::otlp {
namespace {

using internal::ProtoField;
using internal::ProtoReader;
using internal::ProtoWriter;
using internal::WireType;
using Json = nlohmann::json;

std::string_view RejectedKey(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "rejectedSpans";
    case Signal::kMetrics:
      return "rejectedDataPoints";
    case Signal::kLogs:
      return "rejectedLogRecords";
  }
  return "rejected";
}

std::string_view RejectedSnakeKey(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "rejected_spans";
    case Signal::kMetrics:
      return "rejected_data_points";
    case Signal::kLogs:
      return "rejected_log_records";
  }
  return "rejected";
}

const Json* Member(const Json& obj, std::string_view camel, std::string_view snake) {
  auto it = obj.find(camel);
  if (it == obj.end()) {
    it = obj.find(snake);
  }
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

Result<std::int64_t> JsonInt64(const Json& j, std::string_view what) {
  if (j.is_number_integer()) {
    return j.get<std::int64_t>();
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    std::size_t used = 0;
    try {
      const long long v = std::stoll(s, &used);
      if (used == s.size()) {
        return static_cast<std::int64_t>(v);
      }
    } catch (const std::exception&) {
    }
  }
  return InvalidArgumentError(std::string(what) + " must be an integer");
}

}  // namespace

std::string EncodeExportResponse(Signal signal, const ExportResponse& response, Encoding encoding) {
  std::string out;
  const bool partial = response.rejected != 0 || !response.error_message.empty();
  if (encoding == Encoding::kProtobuf) {
    if (partial) {
      ProtoWriter w(out);
      const std::size_t m = w.BeginMessage(1);
      w.VarintIf(1, static_cast<std::uint64_t>(response.rejected));
      w.BytesIf(2, response.error_message);
      w.EndMessage(m);
    }
    return out;
  }
  out = "{";
  if (partial) {
    out += "\"partialSuccess\":{";
    bool first = true;
    if (response.rejected != 0) {
      out += '"';
      out += RejectedKey(signal);
      out += "\":\"" + std::to_string(response.rejected) + "\"";
      first = false;
    }
    if (!response.error_message.empty()) {
      out += first ? "" : ",";
      out += "\"errorMessage\":";
      AppendJsonString(response.error_message, out);
    }
    out += '}';
  }
  out += '}';
  return out;
}

Result<ExportResponse> DecodeExportResponse(Signal signal, std::string_view body,
                                            Encoding encoding) {
  ExportResponse r;
  if (body.empty()) {
    return r;
  }
  if (encoding == Encoding::kProtobuf) {
    Status status;
    ProtoReader top(body, 0, &status);
    ProtoField f;
    while (top.Next(f)) {
      if (f.number != 1 || !top.Want(f, WireType::kLengthDelimited, "partial_success")) {
        continue;
      }
      ProtoReader ps = top.Sub(f);
      ProtoField pf;
      while (ps.Next(pf)) {
        if (pf.number == 1 && ps.Want(pf, WireType::kVarint, "rejected")) {
          r.rejected = static_cast<std::int64_t>(pf.varint);
        } else if (pf.number == 2 && ps.Want(pf, WireType::kLengthDelimited, "error_message")) {
          r.error_message.assign(pf.bytes);
        }
      }
    }
    if (!status.ok()) {
      return InvalidArgumentError("otlp " + std::string(SignalName(signal)) +
                                  " response: " + status.message());
    }
    return r;
  }
  const std::optional<Json> parsed = ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return InvalidArgumentError("otlp " + std::string(SignalName(signal)) +
                                " response: not a JSON object");
  }
  const Json* ps = Member(*parsed, "partialSuccess", "partial_success");
  if (ps == nullptr) {
    return r;
  }
  if (!ps->is_object()) {
    return InvalidArgumentError("otlp response: partialSuccess must be an object");
  }
  if (const Json* rej = Member(*ps, RejectedKey(signal), RejectedSnakeKey(signal))) {
    OBS_ASSIGN_OR_RETURN(r.rejected, JsonInt64(*rej, RejectedKey(signal)));
  }
  if (const Json* msg = Member(*ps, "errorMessage", "error_message")) {
    if (!msg->is_string()) {
      return InvalidArgumentError("otlp response: errorMessage must be a string");
    }
    r.error_message = msg->get<std::string>();
  }
  return r;
}

std::string EncodeRpcStatus(const RpcStatus& status, Encoding encoding) {
  std::string out;
  if (encoding == Encoding::kProtobuf) {
    ProtoWriter w(out);
    w.VarintIf(1, static_cast<std::uint64_t>(std::int64_t{status.code}));
    w.BytesIf(2, status.message);
    return out;
  }
  out = "{\"code\":" + std::to_string(status.code) + ",\"message\":";
  AppendJsonString(status.message, out);
  out += '}';
  return out;
}

Result<RpcStatus> DecodeRpcStatus(std::string_view body, Encoding encoding) {
  RpcStatus s;
  if (encoding == Encoding::kProtobuf) {
    Status status;
    ProtoReader r(body, 0, &status);
    ProtoField f;
    while (r.Next(f)) {
      if (f.number == 1 && r.Want(f, WireType::kVarint, "code")) {
        s.code = static_cast<std::int32_t>(static_cast<std::uint32_t>(f.varint));
      } else if (f.number == 2 && r.Want(f, WireType::kLengthDelimited, "message")) {
        s.message.assign(f.bytes);
      }
    }
    if (!status.ok()) {
      return InvalidArgumentError("google.rpc.Status: " + status.message());
    }
    return s;
  }
  const std::optional<Json> parsed = ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return InvalidArgumentError("google.rpc.Status: not a JSON object");
  }
  if (const Json* code = Member(*parsed, "code", "code")) {
    OBS_ASSIGN_OR_RETURN(const std::int64_t c, JsonInt64(*code, "code"));
    s.code = static_cast<std::int32_t>(c);
  }
  if (const Json* msg = Member(*parsed, "message", "message"); msg != nullptr && msg->is_string()) {
    s.message = msg->get<std::string>();
  }
  return s;
}

}  // namespace obs::wire::otlp
