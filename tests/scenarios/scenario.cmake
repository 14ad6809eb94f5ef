# Scenario format tests: parser, strict validation, overrides, durations,
# target settings and the shipped library. Included by
# tests/scenarios/CMakeLists.txt once obs_scenarios exists.
foreach(_obs_scenario_test
        scenario_parse_test scenario_errors_test scenario_overrides_test
        scenario_duration_test scenario_target_test scenario_library_test
        scenario_alerting_test scenario_experiment_test)
  obs_test(${CMAKE_CURRENT_SOURCE_DIR}/${_obs_scenario_test}.cc DEPS obs::scenarios)
endforeach()
