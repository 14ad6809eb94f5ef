# Resource sampling and the live progress display (scenarios/src). Included
# by tests/scenarios/CMakeLists.txt once obs_scenarios exists.
foreach(_obs_resources_test resource_sampler_test progress_display_test)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_obs_resources_test}.cc)
    obs_test(${CMAKE_CURRENT_SOURCE_DIR}/${_obs_resources_test}.cc
             DEPS obs::scenarios_testonly Threads::Threads)
  endif()
endforeach()
