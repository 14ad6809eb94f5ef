# loadgen benchmarks (owned by the loadgen module).
if(TARGET obs_loadgen)
  obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/loadgen_series_benchmark.cc DEPS obs::loadgen_testonly)
endif()
