# Remote write codec benchmarks (owned by the wire module).
if(NOT TARGET obs_wire)
  return()
endif()
obs_benchmark(remote_write_codec_benchmark.cc DEPS obs::wire)
