# Storage and query engine microbenchmarks (owned by the storage/query part).
if(NOT TARGET obs_backend)
  return()
endif()
obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/backend_storage_benchmark.cc DEPS obs::backend_testonly)
obs_benchmark(${CMAKE_CURRENT_LIST_DIR}/backend_engine_benchmark.cc DEPS obs::backend_testonly)
