#include "obs/reports/report.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "obs/reports/writer.h"

namespace obs::reports {

bool Passed(const RunReport& report) {
  if (!report.infrastructure_error.empty())
    return false;
  for (const assertions::AssertionResult& r : report.assertions) {
    if (r.outcome != assertions::Outcome::kPassed)
      return false;
  }
  return true;
}

int ExitCode(const RunReport& report) {
  if (!report.infrastructure_error.empty())
    return 3;
  return Passed(report) ? 0 : 1;
}

std::string_view VerdictName(const RunReport& report) {
  switch (ExitCode(report)) {
    case 0:
      return "passed";
    case 1:
      return "failed";
    default:
      return "error";
  }
}

Status WriteReports(const RunReport& report, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return UnavailableError("cannot create report directory " + dir + ": " + ec.message());
  for (const auto& writer :
       {NewJsonWriter(), NewJUnitWriter(), NewMarkdownWriter(), NewHtmlWriter()}) {
    const std::filesystem::path path = std::filesystem::path(dir) / writer->file_name();
    // Render fully first so a failing writer never leaves a half-written file.
    std::ostringstream text;
    OBS_RETURN_IF_ERROR(writer->Write(report, text));
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text.str();
    file.close();
    if (!file)
      return UnavailableError("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace obs::reports
