# Storage and query engine microbenchmarks (owned by the storage/query part).
if(NOT TARGET obs_backend)
  return()
endif()
obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/backend_storage_benchmark.cc DEPS obs::backend_testonly)
obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/backend_engine_benchmark.cc DEPS obs::backend_testonly)

# Side-by-side PromQL timing against Prometheus and VictoriaMetrics (opt-in:
# ci/promql_bench.sh); a program, not a registered test.
if(TARGET obs_testing_process)
  add_executable(promql_side_by_side ${CMAKE_CURRENT_LIST_DIR}/promql_side_by_side.cc)
  target_link_libraries(promql_side_by_side PRIVATE obs_testing_process obs::backend_testonly
                                                    nlohmann_json::nlohmann_json obs_warnings)
endif()
