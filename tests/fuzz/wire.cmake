# Remote write fuzzers (owned by the wire module).
if(NOT TARGET obs_wire)
  return()
endif()
obs_fuzzer(remote_write_decoder_fuzzer.cc DEPS obs::wire SEEDS fixtures/fuzz-seeds/remote_write)
obs_fuzzer(alertmanager_decoder_fuzzer.cc DEPS obs::wire SEEDS fixtures/fuzz-seeds/alertmanager)
obs_fuzzer(otlp_decoder_fuzzer.cc DEPS obs::wire SEEDS fixtures/fuzz-seeds/otlp)
obs_fuzzer(snappy_delta_fuzzer.cc DEPS obs::wire SEEDS fixtures/fuzz-seeds/snappy_delta)
