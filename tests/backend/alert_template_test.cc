// Alert label/annotation templates: the Go text/template subset Prometheus
// documents, with expected outputs taken from Prometheus 2.42's template
// tests and Go's fmt rules; and a rule group expanding them per alert.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "alert/rule_file.h"
#include "alert/rule_group.h"
#include "alert/template.h"
#include "store/storage.h"

namespace obs::backend::alert {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

TemplateData Data() {
  TemplateData d;
  d.labels = {{"instance", "web-1.example.com:9100"}, {"job", "node"}, {"__name__", "up"}};
  d.value = 0.0734;
  d.external_labels = {{"cluster", "eu-1"}};
  d.external_url = "http://obs.example:9090";
  d.query = [](const std::string& q) -> Result<std::vector<TemplateSample>> {
    if (q == "fail") {
      return InvalidArgumentError("parse error");
    }
    return std::vector<TemplateSample>{{{{"instance", "b"}, {"__name__", "up"}}, 1},
                                       {{{"instance", "a"}, {"__name__", "up"}}, 11}};
  };
  return d;
}

std::string X(const std::string& text) {
  Result<std::string> r = ExpandTemplate("__alert_T", text, Data());
  return r.ok() ? *r : "ERROR: " + r.status().message();
}

TEST(TemplateTest, VariablesAndFields) {
  EXPECT_EQ(X("plain text"), "plain text");
  EXPECT_EQ(X("{{ $labels.job }} on {{ $labels.instance }}"), "node on web-1.example.com:9100");
  EXPECT_EQ(X("{{ .Labels.job }}/{{ $labels.missing }}/"), "node//");
  EXPECT_EQ(X("{{ $value }}"), "0.0734");
  EXPECT_EQ(X("{{ $externalLabels.cluster }} {{ $externalURL }}"), "eu-1 http://obs.example:9090");
  EXPECT_EQ(X("{{ $x := 3 }}{{ $x }}{{ $x = \"y\" }}{{ $x }}"), "3y");
  EXPECT_EQ(X("{{ \"quoted\\n\" }}{{ `raw\\n` }}"), "quoted\nraw\\n");
  EXPECT_EQ(X("{{/* a comment */}}a  {{- \" b \" -}}  c"), "a b c");
}

TEST(TemplateTest, Humanizers) {
  EXPECT_EQ(X("{{ humanize 1234567.0 }}"), "1.235M");
  EXPECT_EQ(X("{{ humanize 0.0012 }}"), "1.2m");
  EXPECT_EQ(X("{{ humanize 0 }}"), "0");
  EXPECT_EQ(X("{{ humanize \"1000\" }}"), "1k");
  EXPECT_EQ(X("{{ humanize1024 1048576 }}"), "1Mi");
  EXPECT_EQ(X("{{ humanize1024 0.5 }}"), "0.5");
  EXPECT_EQ(X("{{ humanizeDuration 90061 }}"), "1d 1h 1m 1s");
  EXPECT_EQ(X("{{ humanizeDuration 65.2 }}"), "1m 5s");
  EXPECT_EQ(X("{{ humanizeDuration 1.2345 }}"), "1.234s");
  EXPECT_EQ(X("{{ humanizeDuration 0.0123 }}"), "12.3ms");
  EXPECT_EQ(X("{{ humanizeDuration 0 }}"), "0s");
  EXPECT_EQ(X("{{ humanizePercentage $value }}"), "7.34%");
  EXPECT_EQ(X("{{ humanizeTimestamp 1435065584.128 }}"), "2015-06-23 13:19:44.128 +0000 UTC");
  EXPECT_EQ(X("{{ $value | humanizePercentage }}"), "7.34%");
}

TEST(TemplateTest, StringFunctions) {
  EXPECT_EQ(X("{{ title \"hello world\" }} {{ toUpper \"a\" }}{{ toLower \"B\" }}"),
            "Hello World Ab");
  EXPECT_EQ(X("{{ reReplaceAll \"(a*)bc\" \"x${1}y\" \"aaabc\" }}"), "xaaay");
  EXPECT_EQ(X("{{ if match \"^web-\" $labels.instance }}web{{ end }}"), "web");
  EXPECT_EQ(X("{{ stripPort $labels.instance }}"), "web-1.example.com");
  EXPECT_EQ(X("{{ stripPort \"[::1]:80\" }} {{ stripPort \"host\" }}"), "::1 host");
  EXPECT_EQ(X("{{ stripDomain $labels.instance }}"), "web-1:9100");
  EXPECT_EQ(X("{{ parseDuration \"1h2m\" }}"), "3720");
  EXPECT_EQ(X("{{ printf \"%.2f|%d|%s|%5.1f%%|%q\" 3.14159 42 \"s\" 9.25 \"q\" }}"),
            "3.14|42|s|  9.2%|\"q\"");
  EXPECT_EQ(X("{{ printf \"%s\" 1.5 }}"), "%!s(float64=1.5)");
  EXPECT_EQ(X("{{ printf \"[%5s|%-5s|%.2s]\" \"ab\" \"ab\" \"abc\" }}"), "[   ab|ab   |ab]");
  // A long value is never cut short; an absurd width or precision is refused
  // instead of allocating gigabytes (found by alert_template_fuzzer).
  EXPECT_EQ(X("{{ printf \"%s\" \"" + std::string(2000, 'x') + "\" }}").size(), 2000U);
  EXPECT_EQ(X("{{ printf \"%.435065582f|%d\" 3.1 4 }}"), "%!(BADPREC)|4");
  EXPECT_EQ(X("{{ printf \"%999999999d\" 4 }}"), "%!(BADWIDTH)");
  EXPECT_EQ(X("{{ urlquery \"a b&c\" }} {{ html \"<b>\" }}"), "a+b%26c &lt;b&gt;");
  EXPECT_EQ(X("{{ len \"abc\" }} {{ len $labels }}"), "3 3");
}

TEST(TemplateTest, ControlFlow) {
  EXPECT_EQ(X("{{ if gt $value 0.1 }}high{{ else if gt $value 0.01 }}mid{{ else }}low{{ end }}"),
            "mid");
  EXPECT_EQ(X("{{ if and (eq $labels.job \"node\") (not false) }}y{{ end }}"), "y");
  EXPECT_EQ(X("{{ if or 0 \"\" }}y{{ else }}n{{ end }}"), "n");
  EXPECT_EQ(X("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}"),
            "__name__=up;instance=web-1.example.com:9100;job=node;");
  EXPECT_EQ(X("{{ range $externalLabels }}[{{ . }}]{{ end }}"), "[eu-1]");
  EXPECT_EQ(
      X("{{ with $labels.job }}job {{ . }}{{ end }}{{ with $labels.none }}x{{ else }}-{{ end }}"),
      "job node-");
  EXPECT_EQ(
      X("{{ define \"t\" }}[{{ .arg0 }}:{{ .arg1 }}]{{ end }}{{ template \"t\" args 1 \"b\" }}"),
      "[1:b]");
}

TEST(TemplateTest, Query) {
  EXPECT_EQ(X("{{ query \"up\" | first | value }}"), "1");
  EXPECT_EQ(X("{{ with query \"up\" }}{{ . | first | label \"instance\" }}{{ end }}"), "b");
  EXPECT_EQ(
      X("{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }}={{ .Value }} "
        "{{ end }}"),
      "a=11 b=1 ");
  EXPECT_THAT(X("{{ query \"fail\" }}"), HasSubstr("parse error"));
  EXPECT_THAT(X("{{ first (query \"none\" | sortByLabel \"x\") }}"),
              ::testing::Not(HasSubstr("ERROR")));
}

TEST(TemplateTest, OptionalUiFunctionsRenderEmpty) {
  EXPECT_EQ(X("[{{ graphLink \"up\" }}{{ tableLink \"up\" }}{{ pathPrefix }}]"), "[]");
  EXPECT_EQ(X("{{ externalURL }}"), "http://obs.example:9090");
}

TEST(TemplateTest, ErrorsNameTheTemplate) {
  EXPECT_THAT(ExpandTemplate("__alert_T", "{{ nosuchfunc 1 }}", Data()),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("template: __alert_T:1: function \"nosuchfunc\" not defined")));
  EXPECT_THAT(ExpandTemplate("__alert_T", "line\n{{ if 1 }}", Data()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("__alert_T:2: unexpected EOF")));
  EXPECT_THAT(ExpandTemplate("__alert_T", "{{ $nope }}", Data()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("undefined variable: $nope")));
  EXPECT_THAT(ExpandTemplate("__alert_T", "{{ humanize \"abc\" }}", Data()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid syntax")));
  EXPECT_THAT(ExpandTemplate("__alert_T", "{{ 1 2 }}", Data()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("non-function")));
  EXPECT_THAT(ExpandTemplate("__alert_T", "{{ \"open", Data()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unclosed action")));
  // Deep recursion through define/template stops instead of overflowing the stack.
  EXPECT_THAT(
      ExpandTemplate("__alert_T",
                     "{{ define \"r\" }}{{ template \"r\" }}{{ end }}{{ template \"r\" }}", Data()),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("maximum template depth")));
}

TEST(TemplateTest, RuleGroupExpandsLabelsAndAnnotationsPerAlert) {
  Storage storage;
  wire::WriteRequestView req;
  req.timeseries.push_back({{{"__name__", "queue_depth"}, {"queue", "mail"}}, {{1500, 1000}}});
  req.timeseries.push_back({{{"__name__", "queue_depth"}, {"queue", "sms"}}, {{2500, 1000}}});
  ASSERT_OK(storage.Append(req));
  auto groups = ParseRuleFile(R"(groups:
  - name: g
    rules:
      - alert: QueueBacklog
        expr: queue_depth > 1000
        labels:
          severity: "{{ if gt $value 2000.0 }}page{{ else }}ticket{{ end }}"
        annotations:
          summary: "queue {{ $labels.queue }} holds {{ $value | humanize }} messages"
          broken: "{{ nosuch }}"
)",
                              "rules.yml", 60000);
  ASSERT_OK(groups);
  RuleGroup group((*groups)[0], storage);
  const std::vector<Notification> sent = group.Evaluate(2000);
  ASSERT_EQ(sent.size(), 2u);
  std::map<std::string, std::string> severity;
  for (const Notification& n : sent) {
    const std::string queue(LabelValue(n.labels, "queue"));
    severity[queue] = std::string(LabelValue(n.labels, "severity"));
    EXPECT_THAT(n.annotations.at("summary"), HasSubstr("queue " + queue + " holds"));
    EXPECT_THAT(n.annotations.at("broken"),
                HasSubstr("<error expanding template: template: __alert_QueueBacklog:1:"));
  }
  EXPECT_EQ(severity.at("mail"), "ticket");
  EXPECT_EQ(severity.at("sms"), "page");
  EXPECT_EQ(sent[0].annotations.at("summary"), "queue mail holds 1.5k messages");
}

}  // namespace
}  // namespace obs::backend::alert
