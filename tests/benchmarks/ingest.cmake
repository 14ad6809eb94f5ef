# Remote-write ingest side by side: the reference backend, Prometheus and
# VictoriaMetrics fed the same generated load (opt-in program:
# ci/ingest_bench.sh). When Prometheus is installed, a small one-round smoke
# runs as a benchmark-labelled test: it fails if a server refuses the load or
# does not hold every sample it acknowledged (the targets are in
# docs/performance.md).
if(TARGET obs_loadgen AND TARGET obs_backend AND TARGET obs_testing_process)
  add_executable(ingest_side_by_side ${CMAKE_CURRENT_LIST_DIR}/ingest_side_by_side.cc)
  target_link_libraries(ingest_side_by_side PRIVATE obs::loadgen_testonly obs::backend_testonly
                                                    obs_testing_process obs_warnings)
  find_program(OBS_PROMETHEUS prometheus)
  if(OBS_PROMETHEUS AND TARGET obsbench)
    add_test(NAME ingest_side_by_side_smoke
             COMMAND ingest_side_by_side $<TARGET_FILE:obsbench> --rounds 1 --samples 20000
                     --instances 4 --probes 5 --no-vm)
    set_tests_properties(ingest_side_by_side_smoke PROPERTIES LABELS benchmark TIMEOUT 120)
  endif()
endif()
