obs_benchmark(histogram_benchmark.cc DEPS obs::base)
