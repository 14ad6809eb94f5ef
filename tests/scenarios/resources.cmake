# Resource sampling, the live progress display and the application launcher
# (scenarios/src). Included by tests/scenarios/CMakeLists.txt once obs_scenarios exists.
foreach(_obs_resources_test resource_sampler_test progress_display_test app_process_test)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_obs_resources_test}.cc)
    obs_test(${CMAKE_CURRENT_SOURCE_DIR}/${_obs_resources_test}.cc
             DEPS obs::scenarios_testonly Threads::Threads)
  endif()
endforeach()
