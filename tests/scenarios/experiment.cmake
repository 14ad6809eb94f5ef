# Overhead experiments (scenarios/src/experiment*): statistics and runs against
# the sample application. Included by tests/scenarios/CMakeLists.txt once
# obs_scenarios exists.
obs_test(${CMAKE_CURRENT_SOURCE_DIR}/experiment_stats_test.cc DEPS obs::scenarios_testonly)
