# Storage and query engine unit tests (owned by the storage/query part).
# Included from tests/backend/CMakeLists.txt; skipped until obs_backend exists.
if(NOT TARGET obs_backend OR NOT OBS_BUILD_TESTS)
  return()
endif()

foreach(_test
    store_chunk_test.cc
    store_append_test.cc
    store_select_test.cc
    store_concurrency_test.cc
    query_format_test.cc
    query_parser_test.cc
    query_parser_errors_test.cc
    query_parser_print_test.cc
    query_parser_tree_test.cc
    query_engine_test.cc
    query_range_test.cc
    query_range_kernels_test.cc
    query_functions_test.cc
    query_eval_test.cc)
  obs_test(${CMAKE_CURRENT_LIST_DIR}/${_test} DEPS obs::backend_testonly)
endforeach()
