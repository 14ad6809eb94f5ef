// The example CI files in ci/examples/ (docs/ci.md) keep the shape an SRE
// copies: the GitHub Actions workflow and the GitLab CI job build obsbench,
// run a scenario, compare with a baseline, and keep their reports when the
// gate fails. The checks return every problem they find, so a broken edit
// names what broke; the mutation tests below prove each check can fail.
//
// Only structure is checked here, not that the jobs run: neither GitHub nor
// GitLab is reachable from the test.

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace obs::ci {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Problems = std::vector<std::string>;

// The scenario keys docs/scenario-format.md documents for pointing a run at a
// Prometheus-compatible stack; the examples may override nothing else.
const std::set<std::string>& AllowedSetKeys() {
  static const std::set<std::string> keys = {"target.kind", "target.write_url", "target.query_url",
                                             "target.flush_url"};
  return keys;
}

// The CLI contract of the subcommands the examples use.
const std::set<std::string>& AllowedFlags(const std::string& subcommand) {
  static const std::set<std::string> run = {"--out", "--set", "--repeat", "--quiet", "--run-id"};
  static const std::set<std::string> compare = {"--threshold", "--out"};
  return subcommand == "run" ? run : compare;
}

std::filesystem::path SourceDir() {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::filesystem::path(root != nullptr ? root : ".");
}

std::filesystem::path ExamplePath(const std::string& name) {
  return SourceDir() / "ci" / "examples" / name;
}

bool Mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool IsMap(const YAML::Node& node) {
  return node.IsDefined() && node.IsMap();
}

bool IsSequence(const YAML::Node& node) {
  return node.IsDefined() && node.IsSequence();
}

// node[key] when node is a map holding key, else an undefined node. yaml-cpp
// throws on any query of a missing key's node but IsDefined(), so every
// lookup of the checks goes through here.
YAML::Node Get(const YAML::Node& node, const std::string& key) {
  if (IsMap(node)) {
    const YAML::Node value = node[key];
    if (value.IsDefined()) {
      return value;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string Scalar(const YAML::Node& node) {
  return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string();
}

// `always()` as GitHub Actions writes it, with or without the ${{ }} wrapper.
bool IsAlways(const YAML::Node& condition) {
  std::string text = Scalar(condition);
  const std::regex always(R"(^\s*(\$\{\{\s*)?always\(\)\s*(\}\})?\s*$)");
  return std::regex_match(text, always);
}

// Joins backslash-continued lines, so one command is one line.
std::string JoinContinuations(const std::string& script) {
  std::string out;
  for (std::size_t i = 0; i < script.size(); ++i) {
    if (script[i] == '\\' && i + 1 < script.size() && script[i + 1] == '\n') {
      out += ' ';
      ++i;
    } else {
      out += script[i];
    }
  }
  return out;
}

// Checks every `obsbench run|compare ...` command in `script`: the flags are
// in the CLI contract, the --set keys are documented, and a scenario path
// names a file that exists in this source tree. `where` prefixes problems.
void CheckCommands(const std::string& script, const std::string& where, Problems& problems) {
  const std::regex command(R"(obsbench (run|compare)\s([^\n;|&>]*))");
  const std::string text = JoinContinuations(script);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), command);
       it != std::sregex_iterator(); ++it) {
    const std::string subcommand = (*it)[1].str();
    const std::string args = (*it)[2].str();
    const std::regex token(R"(\S+)");
    const auto check_set_key = [&](const std::string& assignment) {
      const std::string key = assignment.substr(0, assignment.find('='));
      if (AllowedSetKeys().count(key) == 0) {
        problems.push_back(where + ": --set " + key + " is not a documented scenario key");
      }
    };
    bool expect_set_key = false;
    bool first_positional = true;
    for (auto t = std::sregex_iterator(args.begin(), args.end(), token);
         t != std::sregex_iterator(); ++t) {
      const std::string word = t->str();
      if (expect_set_key) {
        check_set_key(word);
        expect_set_key = false;
      } else if (word.rfind("--", 0) == 0) {
        const std::size_t equals = word.find('=');
        const std::string flag = word.substr(0, equals);
        if (AllowedFlags(subcommand).count(flag) == 0) {
          problems.push_back(where + ": obsbench " + subcommand + " has no flag " + flag);
        }
        if (flag == "--set" && equals != std::string::npos) {
          check_set_key(word.substr(equals + 1));  // --set=path=value
        } else {
          expect_set_key = flag == "--set";
        }
      } else if (subcommand == "run" && first_positional) {
        // The examples check obsbench out at obsbench/ beside the SRE's files.
        std::string scenario = word;
        if (scenario.rfind("obsbench/", 0) == 0) {
          scenario = scenario.substr(std::string("obsbench/").size());
        }
        if (!std::filesystem::exists(SourceDir() / scenario)) {
          problems.push_back(where + ": scenario " + word + " is not in obsbench");
        }
        first_positional = false;
      }
    }
  }
}

// Problems with a GitHub Actions workflow; empty when it has the documented
// shape.
Problems GitHubProblems(const YAML::Node& root) {
  Problems problems;
  if (!root.IsMap()) {
    return {"the workflow is not a map"};
  }
  // YAML 1.1 would read `on` as true; yaml-cpp keeps the key as the string
  // "on", and so does GitHub.
  const YAML::Node on = Get(root, "on");
  bool pull_request = Get(on, "pull_request").IsDefined() || Scalar(on) == "pull_request";
  if (IsSequence(on)) {
    for (const auto& event : on) {
      pull_request = pull_request || Scalar(event) == "pull_request";
    }
  }
  if (!pull_request) {
    problems.push_back("`on` does not list pull_request");
  }
  const YAML::Node jobs = Get(root, "jobs");
  if (!IsMap(jobs) || jobs.size() != 1) {
    problems.push_back("`jobs` must hold exactly one job");
    return problems;
  }
  const YAML::Node job = jobs.begin()->second;
  if (!Get(job, "runs-on").IsDefined()) {
    problems.push_back("the job has no runs-on");
  }
  const YAML::Node steps = Get(job, "steps");
  if (!IsSequence(steps) || steps.size() == 0) {
    problems.push_back("the job has no steps");
    return problems;
  }
  bool runs = false;
  bool compares = false;
  bool summary = false;
  bool starts_vm = false;
  int kills = 0;
  int uploads = 0;
  int index = 0;
  for (const auto& step : steps) {
    const std::string where =
        "step " + std::to_string(index++) + " (" + Scalar(Get(step, "name")) + ")";
    if (!step.IsMap()) {
      problems.push_back(where + ": not a map");
      continue;
    }
    const bool has_uses = Get(step, "uses").IsDefined();
    const bool has_run = Get(step, "run").IsDefined();
    if (has_uses == has_run) {
      problems.push_back(where + ": needs exactly one of uses and run");
    }
    const std::string uses = Scalar(Get(step, "uses"));
    if (uses.rfind("actions/upload-artifact", 0) == 0) {
      ++uploads;
      if (!IsAlways(Get(step, "if"))) {
        problems.push_back(where + ": upload-artifact without if: always()");
      }
    }
    const std::string script = Scalar(Get(step, "run"));
    runs = runs || Mentions(script, "obsbench run ");
    compares = compares || Mentions(script, "obsbench compare ");
    summary = summary || Mentions(script, "GITHUB_STEP_SUMMARY");
    starts_vm = starts_vm || Mentions(script, "victoria-metrics -");
    if (Mentions(script, "kill ")) {
      ++kills;
      if (!IsAlways(Get(step, "if"))) {
        problems.push_back(where + ": stopping the stack needs if: always()");
      }
    }
    CheckCommands(script, where, problems);
  }
  if (!runs) {
    problems.push_back("no step runs `obsbench run`");
  }
  if (!compares) {
    problems.push_back("no step runs `obsbench compare`");
  }
  if (!summary) {
    problems.push_back("no step writes to $GITHUB_STEP_SUMMARY");
  }
  if (uploads == 0) {
    problems.push_back("no actions/upload-artifact step");
  }
  if (!starts_vm) {
    problems.push_back("no step starts victoria-metrics");
  }
  if (kills == 0) {
    problems.push_back("no step stops the stack under test");
  }
  return problems;
}

// Problems with a GitLab CI file holding one job; empty when it has the
// documented shape.
Problems GitLabProblems(const YAML::Node& root) {
  if (!root.IsMap()) {
    return {"the file is not a map"};
  }
  std::vector<std::string> names;
  for (const auto& entry : root) {
    if (Get(entry.second, "script").IsDefined()) {
      names.push_back(entry.first.Scalar());
    }
  }
  if (names.size() != 1) {
    return {"expected exactly one job with a script, found " + std::to_string(names.size())};
  }
  Problems problems;
  const std::string& name = names.front();
  const YAML::Node job = Get(root, name);
  if (Scalar(Get(job, "image")).empty()) {
    problems.push_back(name + ": no image");
  }
  std::string joined;
  const auto lines = [&](const char* key) {
    const YAML::Node list = Get(job, key);
    if (!list.IsDefined()) {
      return;
    }
    if (!IsSequence(list)) {
      problems.push_back(name + ": " + key + " is not a list");
      return;
    }
    int index = 0;
    for (const auto& line : list) {
      const std::string where = name + ": " + key + "[" + std::to_string(index++) + "]";
      if (!line.IsScalar()) {
        problems.push_back(where + ": not a string");
        continue;
      }
      joined += line.Scalar() + "\n";
      CheckCommands(line.Scalar(), where, problems);
    }
  };
  lines("script");
  const std::string script = joined;
  joined.clear();
  lines("after_script");
  const std::string after = joined;
  if (!Mentions(script, "obsbench run ")) {
    problems.push_back(name + ": the script does not run `obsbench run`");
  }
  if (!Mentions(script, "obsbench compare ")) {
    problems.push_back(name + ": the script does not run `obsbench compare`");
  }
  if (!Mentions(script, "victoria-metrics -")) {
    problems.push_back(name + ": the script does not start victoria-metrics");
  }
  if (!Mentions(after, "kill ")) {
    problems.push_back(name + ": after_script does not stop the stack under test");
  }
  const YAML::Node artifacts = Get(job, "artifacts");
  if (!IsMap(artifacts)) {
    problems.push_back(name + ": no artifacts");
    return problems;
  }
  if (Scalar(Get(artifacts, "when")) != "always") {
    problems.push_back(name + ": artifacts.when is not always");
  }
  if (!Mentions(Scalar(Get(Get(artifacts, "reports"), "junit")), "junit.xml")) {
    problems.push_back(name + ": artifacts.reports.junit does not name a junit.xml");
  }
  bool keeps_out = false;
  if (IsSequence(Get(artifacts, "paths"))) {
    for (const auto& path : Get(artifacts, "paths")) {
      keeps_out = keeps_out || Scalar(path).rfind("out", 0) == 0;
    }
  }
  if (!keeps_out) {
    problems.push_back(name + ": artifacts.paths does not keep out/");
  }
  return problems;
}

YAML::Node LoadExample(const std::string& name) {
  const std::filesystem::path path = ExamplePath(name);
  EXPECT_TRUE(std::filesystem::exists(path)) << path << " missing (OBS_SOURCE_DIR?)";
  try {
    return YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << path << ": " << e.what();
    return YAML::Node();
  }
}

YAML::Node Steps(YAML::Node workflow) {
  return workflow["jobs"].begin()->second["steps"];
}

// The first step whose `field` contains `part`.
YAML::Node FindStep(YAML::Node workflow, const std::string& field, const std::string& part) {
  for (auto step : Steps(workflow)) {
    if (Mentions(Scalar(Get(step, field)), part)) {
      return step;
    }
  }
  ADD_FAILURE() << "no step with " << field << " containing " << part;
  return YAML::Node();
}

TEST(GitHubActionsExampleTest, HasTheDocumentedShape) {
  const YAML::Node workflow = LoadExample("github-actions.yml");
  EXPECT_THAT(GitHubProblems(workflow), IsEmpty());
  EXPECT_TRUE(Get(Get(workflow, "on"), "workflow_dispatch").IsDefined());
}

TEST(GitLabCiExampleTest, HasTheDocumentedShape) {
  EXPECT_THAT(GitLabProblems(LoadExample("gitlab-ci.yml")), IsEmpty());
}

TEST(GitHubActionsExampleTest, ChecksFailOnBrokenCopies) {
  const YAML::Node original = LoadExample("github-actions.yml");
  ASSERT_THAT(GitHubProblems(original), IsEmpty());
  {
    YAML::Node w = YAML::Clone(original);
    FindStep(w, "uses", "actions/upload-artifact").remove("if");
    EXPECT_THAT(GitHubProblems(w), Contains(HasSubstr("upload-artifact without if: always()")));
  }
  {
    YAML::Node w = YAML::Clone(original);
    FindStep(w, "run", "kill ")["if"] = "success()";
    EXPECT_THAT(GitHubProblems(w), Contains(HasSubstr("stopping the stack needs if: always()")));
  }
  {
    YAML::Node w = YAML::Clone(original);
    FindStep(w, "run", "obsbench run ")["uses"] = "actions/checkout@v4";
    EXPECT_THAT(GitHubProblems(w), Contains(HasSubstr("needs exactly one of uses and run")));
  }
  {
    YAML::Node w = YAML::Clone(original);
    YAML::Node step = FindStep(w, "run", "obsbench run ");
    step["run"] = "obsbench run obsbench/scenarios/library/baseline.yaml --set target.url=x";
    EXPECT_THAT(GitHubProblems(w),
                Contains(HasSubstr("--set target.url is not a documented scenario key")));
  }
  {
    YAML::Node w = YAML::Clone(original);
    FindStep(w, "run", "obsbench compare ")["run"] = "obsbench compare a b --treshold x=1%";
    EXPECT_THAT(GitHubProblems(w), Contains(HasSubstr("obsbench compare has no flag --treshold")));
  }
  {
    YAML::Node w = YAML::Clone(original);
    FindStep(w, "run", "obsbench run ")["run"] = "obsbench run scenarios/library/nope.yaml";
    EXPECT_THAT(GitHubProblems(w), Contains(HasSubstr("scenario scenarios/library/nope.yaml")));
  }
  {
    YAML::Node w = YAML::Clone(original);
    w.remove("on");
    EXPECT_THAT(GitHubProblems(w), Contains(HasSubstr("pull_request")));
  }
}

TEST(GitLabCiExampleTest, ChecksFailOnBrokenCopies) {
  const YAML::Node original = LoadExample("gitlab-ci.yml");
  ASSERT_THAT(GitLabProblems(original), IsEmpty());
  const std::string name = original.begin()->first.Scalar();
  {
    YAML::Node c = YAML::Clone(original);
    c[name]["artifacts"]["when"] = "on_success";
    EXPECT_THAT(GitLabProblems(c), Contains(HasSubstr("artifacts.when is not always")));
  }
  {
    YAML::Node c = YAML::Clone(original);
    c[name]["artifacts"].remove("reports");
    EXPECT_THAT(GitLabProblems(c), Contains(HasSubstr("artifacts.reports.junit")));
  }
  {
    YAML::Node c = YAML::Clone(original);
    c[name]["script"] = "obsbench run obsbench/scenarios/library/baseline.yaml";
    EXPECT_THAT(GitLabProblems(c), Contains(HasSubstr("script is not a list")));
  }
  {
    YAML::Node c = YAML::Clone(original);
    c[name]["script"].push_back("obsbench run x.yaml --set target.write=http://h");
    EXPECT_THAT(GitLabProblems(c),
                Contains(HasSubstr("--set target.write is not a documented scenario key")));
  }
  {
    YAML::Node c = YAML::Clone(original);
    c[name].remove("image");
    EXPECT_THAT(GitLabProblems(c), Contains(HasSubstr("no image")));
  }
}

}  // namespace
}  // namespace obs::ci
