# Scenario YAML parser fuzzer (clang + OBS_BUILD_FUZZERS only; obs_fuzzer()
# returns otherwise). Skipped while obs_scenarios does not exist yet.
if(TARGET obs_scenarios)
  obs_fuzzer(scenario_parser_fuzzer.cc DEPS obs::scenarios SEEDS fixtures/fuzz-seeds/scenario)
endif()
