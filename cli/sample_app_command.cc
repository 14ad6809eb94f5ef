// `obsbench sample-app`: the instrumented service of docs/sample-app.md.
#include "commands.h"
#include "sample_app.h"

namespace obs::cli {

int SampleAppCommand(const std::vector<std::string>& args) {
  return sample_app::RunSampleApp(args);
}

}  // namespace obs::cli
