# The http workload against wrk on one loopback server (opt-in program:
# ci/http_bench.sh). When wrk is installed, a one-round smoke runs as a
# benchmark-labelled test: it fails only if a tool errors or the http load
# reaches less than half of wrk's rate (the real target is in
# docs/performance.md).
if(TARGET obs_loadgen AND TARGET obs_testing_process)
  add_executable(http_vs_wrk ${CMAKE_CURRENT_LIST_DIR}/http_vs_wrk.cc)
  target_link_libraries(http_vs_wrk PRIVATE obs::loadgen obs_testing_process Threads::Threads
                                            obs_warnings)
  find_program(OBS_WRK wrk)
  if(OBS_WRK)
    add_test(NAME http_vs_wrk_smoke
             COMMAND http_vs_wrk --rounds 1 --seconds 1 --connections 4 --threads 2
                     --min-ratio 0.5 --wrk ${OBS_WRK})
    set_tests_properties(http_vs_wrk_smoke PROPERTIES LABELS benchmark TIMEOUT 60)
  endif()
endif()

# One remote-write sender thread against a discarding server: samples per
# loadgen CPU second, and the ratio to snappy alone on the same bytes
# (opt-in program; docs/performance.md). The smoke fails only if the sender
# fails or one core sends fewer than 200k samples per CPU second.
if(TARGET obs_loadgen AND TARGET obs_testing_process)
  add_executable(remote_write_to_sink ${CMAKE_CURRENT_LIST_DIR}/remote_write_to_sink.cc)
  target_link_libraries(remote_write_to_sink PRIVATE obs::loadgen obs::wire obs_testing_process
                                                     Threads::Threads obs_warnings)
  add_test(NAME remote_write_to_sink_smoke
           COMMAND remote_write_to_sink --seconds 1 --rate 1000000 --instances 20
                   --min-per-core 200000)
  set_tests_properties(remote_write_to_sink_smoke PROPERTIES LABELS benchmark TIMEOUT 60)
endif()
