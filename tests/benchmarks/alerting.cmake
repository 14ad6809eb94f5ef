# Rule evaluation to webhook delivery latency of the reference backend (a
# program; docs/performance.md). A 6-second smoke runs as a
# benchmark-labelled test: it fails if an alert is not delivered, or if p99
# is above 100 ms (the target, 5 ms, is measured by the full run).
if(TARGET obs_loadgen AND TARGET obs_backend AND TARGET obs_testing_process)
  add_executable(alert_delivery_latency ${CMAKE_CURRENT_LIST_DIR}/alert_delivery_latency.cc)
  target_link_libraries(alert_delivery_latency PRIVATE obs::loadgen obs::backend_testonly
                                                       obs_testing_process obs_warnings)
  add_test(NAME alert_delivery_latency_smoke
           COMMAND alert_delivery_latency --seconds 6 --alerts 8 --groups 2 --max-p99-ms 100)
  set_tests_properties(alert_delivery_latency_smoke PROPERTIES LABELS benchmark TIMEOUT 60)
endif()
