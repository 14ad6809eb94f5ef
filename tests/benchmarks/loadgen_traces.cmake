# Trace generation and OTLP codec benchmarks (owned by the loadgen module).
if(TARGET obs_loadgen)
  obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/otlp_traces_benchmark.cc DEPS obs::loadgen obs::wire)
endif()
# The backend's trace ingest and query path, fed with generated traces.
if(TARGET obs_loadgen AND TARGET obs_backend)
  obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/backend_traces_benchmark.cc
                DEPS obs::loadgen obs::backend obs::backend_testonly obs::wire)
endif()
# Log generation + Loki encoding, and the backend's log ingest and queries.
if(TARGET obs_loadgen AND TARGET obs_backend)
  obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/logs_benchmark.cc
                DEPS obs::loadgen obs::backend obs::backend_testonly obs::wire)
endif()
