# Runner tests against a scripted loopback target (tests/loadgen/loopback_sink.h).
# Included by tests/scenarios/CMakeLists.txt once obs_scenarios exists.
obs_test(${CMAKE_CURRENT_SOURCE_DIR}/runner_answers_test.cc
         DEPS obs::scenarios obs_testing_loopback_sink)
