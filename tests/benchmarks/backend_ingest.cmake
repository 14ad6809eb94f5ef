# Reference backend ingest benchmarks (owned by the backend HTTP/API part).
if(TARGET obs_backend)
  obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/backend_ingest_benchmark.cc
                DEPS obs::backend obs::backend_testonly obs::wire)
endif()
