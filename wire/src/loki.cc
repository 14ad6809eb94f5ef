// Loki push: protobuf (logproto) and JSON codecs, and label-set text.

#include "obs/wire/loki.h"

#include <charconv>

#include "obs/wire/json_parse.h"
#include "obs/wire/json_text.h"
#include "obs/wire/series_text.h"

#include "otlp_path.h"
#include "proto_io.h"
#include "utf8.h"
#include <nlohmann/json.hpp>

namespace obs::wire::loki {
namespace {

using internal::Path;
using internal::ProtoField;
using internal::ProtoReader;
using internal::ProtoWriter;
using internal::WireType;
using Json = nlohmann::json;

constexpr std::int64_t kNanosPerSecond = 1000000000;

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}

Status LabelsError(std::size_t at, std::string_view problem) {
  return InvalidArgumentError("label set: " + std::string(problem) + " at offset " +
                              std::to_string(at));
}

Status Fail(const Path& p, std::string_view problem) {
  return InvalidArgumentError("loki push: " + p.Render() + ": " + std::string(problem));
}

}  // namespace

bool Entry::SameLabels(const std::vector<Label>& a, const std::vector<Label>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) {
      return false;
    }
  }
  return true;
}

std::string LabelsText(const std::vector<Label>& labels) {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i != 0) {
      out += ", ";
    }
    out += labels[i].name;
    out += "=\"";
    AppendEscapedLabelValue(out, labels[i].value);
    out += '"';
  }
  out += '}';
  return out;
}

Result<std::vector<Label>> ParseLabelsText(std::string_view text) {
  std::vector<Label> labels;
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) {
      ++i;
    }
  };
  skip_ws();
  if (i >= text.size() || text[i] != '{') {
    return LabelsError(i, "expected '{'");
  }
  ++i;
  while (true) {
    skip_ws();
    if (i < text.size() && text[i] == '}') {
      ++i;
      break;
    }
    if (i >= text.size() || !IsNameStart(text[i])) {
      return LabelsError(i, "expected a label name");
    }
    const std::size_t start = i;
    while (i < text.size() && IsNameChar(text[i])) {
      ++i;
    }
    Label label{std::string(text.substr(start, i - start)), {}};
    skip_ws();
    if (i >= text.size() || text[i] != '=') {
      return LabelsError(i, "expected '='");
    }
    ++i;
    skip_ws();
    if (i >= text.size() || (text[i] != '"' && text[i] != '`')) {
      return LabelsError(i, "expected a quoted value");
    }
    const char quote = text[i++];
    bool closed = false;
    while (i < text.size()) {
      const char c = text[i++];
      if (c == quote) {
        closed = true;
        break;
      }
      if (c == '\\' && quote == '"') {
        if (i >= text.size()) {
          break;
        }
        const char e = text[i++];
        switch (e) {
          case 'n':
            label.value += '\n';
            break;
          case 't':
            label.value += '\t';
            break;
          case 'r':
            label.value += '\r';
            break;
          case '\\':
          case '"':
          case '\'':
            label.value += e;
            break;
          default:
            return LabelsError(i - 2, "unknown escape");
        }
        continue;
      }
      label.value += c;
    }
    if (!closed) {
      return LabelsError(i, "unterminated value");
    }
    if (!internal::IsValidUtf8(label.value)) {
      return LabelsError(start, "invalid UTF-8 in value");
    }
    labels.push_back(std::move(label));
    skip_ws();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    skip_ws();
    if (i < text.size() && text[i] == '}') {
      ++i;
      break;
    }
    return LabelsError(i, "expected ',' or '}'");
  }
  skip_ws();
  if (i != text.size()) {
    return LabelsError(i, "trailing characters");
  }
  return labels;
}

void EncodePushProto(const PushRequest& request, std::string& out) {
  ProtoWriter w(out);
  for (const Stream& s : request.streams) {
    const std::size_t ms = w.BeginMessage(1);
    w.Bytes(1, LabelsText(s.labels));
    for (const Entry& e : s.entries) {
      const std::size_t me = w.BeginMessage(2);
      const std::size_t mt = w.BeginMessage(1);
      std::int64_t seconds = e.timestamp_ns / kNanosPerSecond;
      std::int64_t nanos = e.timestamp_ns % kNanosPerSecond;
      if (nanos < 0) {
        nanos += kNanosPerSecond;
        --seconds;
      }
      w.VarintIf(1, static_cast<std::uint64_t>(seconds));
      w.VarintIf(2, static_cast<std::uint64_t>(nanos));
      w.EndMessage(mt);
      w.BytesIf(2, e.line);
      for (const Label& l : e.structured_metadata) {
        const std::size_t ml = w.BeginMessage(3);
        w.BytesIf(1, l.name);
        w.BytesIf(2, l.value);
        w.EndMessage(ml);
      }
      w.EndMessage(me);
    }
    w.EndMessage(ms);
  }
}

void EncodePushJson(const PushRequest& request, std::string& out) {
  out += "{\"streams\":[";
  for (std::size_t i = 0; i < request.streams.size(); ++i) {
    const Stream& s = request.streams[i];
    out += i == 0 ? "{\"stream\":{" : ",{\"stream\":{";
    for (std::size_t j = 0; j < s.labels.size(); ++j) {
      if (j != 0) {
        out += ',';
      }
      AppendJsonString(s.labels[j].name, out);
      out += ':';
      AppendJsonString(s.labels[j].value, out);
    }
    out += "},\"values\":[";
    for (std::size_t k = 0; k < s.entries.size(); ++k) {
      const Entry& e = s.entries[k];
      out += k == 0 ? "[\"" : ",[\"";
      out += std::to_string(e.timestamp_ns);
      out += "\",";
      AppendJsonString(e.line, out);
      if (!e.structured_metadata.empty()) {
        out += ",{";
        for (std::size_t m = 0; m < e.structured_metadata.size(); ++m) {
          if (m != 0) {
            out += ',';
          }
          AppendJsonString(e.structured_metadata[m].name, out);
          out += ':';
          AppendJsonString(e.structured_metadata[m].value, out);
        }
        out += '}';
      }
      out += ']';
    }
    out += "]}";
  }
  out += "]}";
}

Result<PushRequest> DecodePushProto(std::string_view bytes) {
  PushRequest request;
  Status status;
  ProtoReader r(bytes, 0, &status);
  ProtoField f;
  const Path root(nullptr, nullptr);
  while (r.Next(f)) {
    if (f.number != 1) {
      continue;
    }
    const Path sp(&root, "streams", static_cast<long>(request.streams.size()));
    if (f.type != WireType::kLengthDelimited) {
      return Fail(sp, "wrong wire type");
    }
    Stream& stream = request.streams.emplace_back();
    ProtoReader sr = r.Sub(f);
    ProtoField sf;
    bool have_labels = false;
    while (sr.Next(sf)) {
      if (sf.number == 1) {
        if (sf.type != WireType::kLengthDelimited) {
          return Fail(Path(&sp, "labels"), "wrong wire type");
        }
        auto labels = ParseLabelsText(sf.bytes);
        if (!labels.ok()) {
          return Fail(Path(&sp, "labels"), labels.status().message());
        }
        stream.labels = std::move(*labels);
        have_labels = true;
      } else if (sf.number == 2) {
        const Path ep(&sp, "entries", static_cast<long>(stream.entries.size()));
        if (sf.type != WireType::kLengthDelimited) {
          return Fail(ep, "wrong wire type");
        }
        Entry& entry = stream.entries.emplace_back();
        ProtoReader er = sr.Sub(sf);
        ProtoField ef;
        while (er.Next(ef)) {
          if (ef.number == 1 && ef.type == WireType::kLengthDelimited) {
            std::int64_t seconds = 0;
            std::int64_t nanos = 0;
            ProtoReader tr = er.Sub(ef);
            ProtoField tf;
            while (tr.Next(tf)) {
              if (tf.number == 1 && tf.type == WireType::kVarint) {
                seconds = static_cast<std::int64_t>(tf.varint);
              } else if (tf.number == 2 && tf.type == WireType::kVarint) {
                nanos = static_cast<std::int32_t>(static_cast<std::uint32_t>(tf.varint));
              }
            }
            if (nanos < 0 || nanos >= kNanosPerSecond ||
                seconds > INT64_MAX / kNanosPerSecond - 1 ||
                seconds < INT64_MIN / kNanosPerSecond + 1) {
              return Fail(Path(&ep, "timestamp"), "out of range");
            }
            entry.timestamp_ns = seconds * kNanosPerSecond + nanos;
          } else if (ef.number == 2 && ef.type == WireType::kLengthDelimited) {
            if (!internal::IsValidUtf8(ef.bytes)) {
              return Fail(Path(&ep, "line"), "invalid UTF-8");
            }
            entry.line.assign(ef.bytes);
          } else if (ef.number == 3 && ef.type == WireType::kLengthDelimited) {
            Label& l = entry.structured_metadata.emplace_back();
            ProtoReader lr = er.Sub(ef);
            ProtoField lf;
            while (lr.Next(lf)) {
              if (lf.type != WireType::kLengthDelimited) {
                continue;
              }
              if (lf.number == 1) {
                l.name.assign(lf.bytes);
              } else if (lf.number == 2) {
                l.value.assign(lf.bytes);
              }
            }
          } else if (ef.number <= 3) {
            return Fail(ep, "field " + std::to_string(ef.number) + " has the wrong wire type");
          }
        }
      }
    }
    if (!status.ok()) {
      break;
    }
    if (!have_labels) {
      return Fail(sp, "stream has no labels");
    }
  }
  if (!status.ok()) {
    return InvalidArgumentError("loki push: " + status.message());
  }
  return request;
}

Result<PushRequest> DecodePushJson(std::string_view json) {
  const Path root(nullptr, nullptr);
  std::string error;
  const std::optional<Json> parsed = ParseJson(json, &error);
  if (!parsed) {
    return Fail(root, error);
  }
  const Json& j = *parsed;
  if (!j.is_object()) {
    return Fail(root, "must be a JSON object");
  }
  PushRequest request;
  const auto streams = j.find("streams");
  if (streams == j.end() || streams->is_null()) {
    return request;
  }
  const Path sps(&root, "streams");
  if (!streams->is_array()) {
    return Fail(sps, "must be an array");
  }
  long si = 0;
  for (const Json& s : *streams) {
    const Path sp(&root, "streams", si++);
    if (!s.is_object()) {
      return Fail(sp, "must be an object");
    }
    Stream& stream = request.streams.emplace_back();
    const auto labels = s.find("stream");
    if (labels == s.end() || !labels->is_object()) {
      return Fail(Path(&sp, "stream"), "must be an object of labels");
    }
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (!it->is_string()) {
        return Fail(Path(&sp, "stream"), "label " + it.key() + " must be a string");
      }
      stream.labels.push_back({it.key(), it->get<std::string>()});
    }
    const auto values = s.find("values");
    if (values == s.end() || values->is_null()) {
      continue;
    }
    if (!values->is_array()) {
      return Fail(Path(&sp, "values"), "must be an array");
    }
    long vi = 0;
    for (const Json& v : *values) {
      const Path vp(&sp, "values", vi++);
      if (!v.is_array() || v.size() < 2 || v.size() > 3) {
        return Fail(vp, "must be [\"<unix ns>\", \"<line>\"] or with a metadata object");
      }
      Entry& entry = stream.entries.emplace_back();
      if (!v[0].is_string()) {
        return Fail(Path(&vp, nullptr, 0), "timestamp must be a string of Unix nanoseconds");
      }
      const auto& ts = v[0].get_ref<const std::string&>();
      const auto r = std::from_chars(ts.data(), ts.data() + ts.size(), entry.timestamp_ns);
      if (ts.empty() || r.ec != std::errc() || r.ptr != ts.data() + ts.size()) {
        return Fail(Path(&vp, nullptr, 0), "\"" + ts + "\" is not an integer of nanoseconds");
      }
      if (!v[1].is_string()) {
        return Fail(Path(&vp, nullptr, 1), "line must be a string");
      }
      entry.line = v[1].get<std::string>();
      if (v.size() == 3 && !v[2].is_null()) {
        if (!v[2].is_object()) {
          return Fail(Path(&vp, nullptr, 2), "structured metadata must be an object");
        }
        for (auto it = v[2].begin(); it != v[2].end(); ++it) {
          if (!it->is_string()) {
            return Fail(Path(&vp, nullptr, 2), "metadata " + it.key() + " must be a string");
          }
          entry.structured_metadata.push_back({it.key(), it->get<std::string>()});
        }
      }
    }
  }
  return request;
}

}  // namespace obs::wire::loki
