# Backend fuzzers: PromQL, alert templates, LogQL. clang +
# OBS_BUILD_FUZZERS only (obs_fuzzer() returns otherwise).
if(NOT TARGET obs_backend)
  return()
endif()
obs_fuzzer(${CMAKE_CURRENT_LIST_DIR}/promql_parser_fuzzer.cc DEPS obs::backend_testonly
           SEEDS fixtures/fuzz-seeds/promql)
obs_fuzzer(${CMAKE_CURRENT_LIST_DIR}/alert_template_fuzzer.cc DEPS obs::backend_testonly
           SEEDS fixtures/fuzz-seeds/alert_template)
obs_fuzzer(${CMAKE_CURRENT_LIST_DIR}/logql_fuzzer.cc DEPS obs::backend_testonly
           SEEDS fixtures/fuzz-seeds/logql)
