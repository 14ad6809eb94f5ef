# Read-back verification tests (scenarios/src/verify): one binary per file.
# Included by tests/scenarios/CMakeLists.txt once obs_scenarios exists.
foreach(_verify_test query_json promql_text series_index time_windows missing_timestamps
                     query_client completeness completeness_faults visibility trace_check
                     log_check)
  set(_verify_file ${CMAKE_CURRENT_SOURCE_DIR}/verify_${_verify_test}_test.cc)
  if(EXISTS ${_verify_file})
    obs_test(${_verify_file} DEPS obs::scenarios_testonly Boost::headers Threads::Threads)
  endif()
endforeach()
