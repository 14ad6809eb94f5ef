// Feeds arbitrary text to the alert template engine as a label/annotation
// template with a `query` function that answers a fixed vector. Errors are
// expected; crashes, sanitizer reports, hangs and uncaught exceptions are bugs.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "alert/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) {
    return 0;  // Long regex subjects only measure std::regex's recursion depth.
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  obs::backend::alert::TemplateData d;
  d.labels = {{"job", "api"}, {"instance", "h:1"}};
  d.value = 3.5;
  d.query =
      [](const std::string&) -> obs::Result<std::vector<obs::backend::alert::TemplateSample>> {
    return std::vector<obs::backend::alert::TemplateSample>{{{{"a", "b"}}, 1}};
  };
  (void)obs::backend::alert::ExpandTemplate("__fuzz", text, d);
  return 0;
}
