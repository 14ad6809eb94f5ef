// junit.xml: one <testsuite> for the scenario, one <testcase> per assertion,
// run facts (and an experiment's overhead figures) as <properties>.
// A failed or no-data assertion is a <failure> (the gate did not pass); an
// infrastructure error is an extra test case with an <error>, which CI
// systems show differently from a failed gate.

#include <array>
#include <charconv>
#include <cmath>
#include <sstream>
#include <string>

#include "obs/assertions/format.h"
#include "obs/reports/writer.h"

#include "text.h"

namespace obs::reports::internal {
namespace {

std::string Attr(std::string_view text) {
  return "\"" + XmlEscape(text, /*attribute=*/true) + "\"";
}

std::string Number(double v) {
  if (!std::isfinite(v))
    return std::isnan(v) ? "nan" : (v < 0 ? "-inf" : "inf");
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return ec == std::errc() ? std::string(buf.data(), end) : "nan";
}

void WriteProperties(const RunRecord& r, std::ostream& out) {
  out << "    <properties>\n";
  auto property = [&out](std::string_view name, std::string_view value) {
    out << "      <property name=" << Attr(name) << " value=" << Attr(value) << "/>\n";
  };
  property("run_id", r.run_id);
  property("seed", std::to_string(r.seed));
  property("target", r.target_kind);
  property("target_write_url", r.target_write_url);
  for (const auto& [key, value] : r.environment)
    property("env." + key, value);
  if (r.experiment.has_value()) {
    // The mean paired difference in the figure's unit (seconds, bytes, ...);
    // "nan" without a pair. Shortest round-trip form: for machines.
    for (const OverheadRecord& o : r.experiment->overhead)
      property("overhead." + o.variant + "." + o.figure, Number(o.delta_mean));
  }
  out << "    </properties>\n";
}

void WriteTestCase(const assertions::AssertionResult& r, const std::string& classname,
                   std::ostream& out) {
  out << "    <testcase name=" << Attr(r.spec.name) << " classname=" << Attr(classname)
      << " time=\"0\"";
  const std::string body = "expression: " + r.spec.expression +
                           (r.spec.workload.empty() ? "" : "\nworkload: " + r.spec.workload) +
                           (r.spec.location.empty() ? "" : "\nlocation: " + r.spec.location) +
                           "\nexpected: " + r.expected + "\nactual: " + r.actual +
                           "\noutcome: " + std::string(assertions::OutcomeName(r.outcome)) + "\n" +
                           r.explanation;
  if (r.outcome == assertions::Outcome::kPassed) {
    out << ">\n      <system-out>" << XmlEscape(body, false) << "</system-out>\n";
  } else {
    out << ">\n      <failure message=" << Attr(r.explanation)
        << " type=" << Attr(assertions::OutcomeName(r.outcome)) << ">" << XmlEscape(body, false)
        << "</failure>\n";
  }
  out << "    </testcase>\n";
}

class JUnitWriter final : public ReportWriter {
 public:
  Status Write(const RunReport& report, std::ostream& out) const override {
    const RunRecord& r = report.record;
    const bool infra = !report.infrastructure_error.empty();
    std::size_t failures = 0;
    for (const assertions::AssertionResult& a : report.assertions)
      failures += a.outcome == assertions::Outcome::kPassed ? 0 : 1;
    const std::string counts =
        " tests=\"" + std::to_string(report.assertions.size() + (infra ? 1 : 0)) +
        "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + (infra ? "1" : "0") +
        "\" time=\"" + assertions::FormatFixed(r.duration_seconds, 3) + "\"";
    const std::string classname = "obsbench." + r.scenario_name;
    std::ostringstream xml;
    xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuites name=\"obsbench\"" << counts << ">\n"
        << "  <testsuite name=" << Attr(r.scenario_name) << counts
        << " skipped=\"0\" timestamp=" << Attr(assertions::FormatUnixMillis(r.started_unix_ms))
        << ">\n";
    WriteProperties(r, xml);
    for (const assertions::AssertionResult& a : report.assertions)
      WriteTestCase(a, classname, xml);
    if (infra) {
      xml << "    <testcase name=\"infrastructure\" classname=" << Attr(classname)
          << " time=\"0\">\n      <error message=" << Attr(report.infrastructure_error)
          << " type=\"infrastructure_error\">" << XmlEscape(report.infrastructure_error, false)
          << "</error>\n    </testcase>\n";
    }
    if (!r.warnings.empty()) {
      xml << "    <system-err>";
      for (const std::string& w : r.warnings)
        xml << "warning: " << XmlEscape(w, false) << "\n";
      xml << "</system-err>\n";
    }
    xml << "  </testsuite>\n</testsuites>\n";
    out << xml.str();
    return StreamStatus(out, file_name());
  }
  std::string_view file_name() const override { return "junit.xml"; }
};

}  // namespace
}  // namespace obs::reports::internal

namespace obs::reports {

std::unique_ptr<ReportWriter> NewJUnitWriter() {
  return std::make_unique<internal::JUnitWriter>();
}

}  // namespace obs::reports
