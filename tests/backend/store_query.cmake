# Storage and query engine unit tests (owned by the storage/query part).
# Included from tests/backend/CMakeLists.txt; skipped until obs_backend exists.
if(NOT TARGET obs_backend)
  return()
endif()

file(GLOB _obs_store_query_tests CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_LIST_DIR}/store_*_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/query_*_test.cc)
foreach(_test ${_obs_store_query_tests})
  obs_test(${_test} DEPS obs::backend_testonly)
endforeach()
