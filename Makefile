# orthotrack: the two Quick-start commands (`make demo`, `make test`) and a few helpers.
# Each target installs missing Debian packages first (scripts/setup.sh, needs root or sudo).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: setup configure build demo test test-fast bench bench-run asan asan-core fuzz clean

setup:
	bash scripts/setup.sh

configure: setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DORTHOTRACK_BUILD_BENCH=OFF $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

## Simulate the small Baige-like stack and run it end to end; prints where the report is.
demo: build
	bash scripts/demo.sh $(BUILD)

## The whole test suite through CTest (unit + slow end-to-end tests).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

## Unit tests only (skips tests labelled slow).
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

## Benchmarks (Google Benchmark, in build-bench/); each prints its ratio to the reference measured in the same run.
bench: setup
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DORTHOTRACK_BUILD_BENCH=ON -DORTHOTRACK_BUILD_TESTS=OFF
	cmake --build build-bench -j $(JOBS)
	for b in build-bench/bench/*/bench_*; do echo "== $$b"; $$b; done

## The whole run benchmarked: simulate the stack (SIZE=small|medium), `orthotrack run` it under /usr/bin/time -v,
## print wall time per step, offsets/s, peak memory and total wall (docs/benchmarks.md).
SIZE ?= small
bench-run: build
	bash scripts/bench_run.sh $(SIZE) $(BUILD)

.PHONY: full-scene bench-scale
## Full-scene demonstration (issue 11): a `full` (10 000 x 10 000 px) stack of 3 scenes run with --memory 2G until
## the inversion; prints per-step wall time and peak RSS and fails above the budget (docs/benchmarks.md).
full-scene: build
	bash scripts/full_scene.sh $(BUILD)

## Scaling of the run with scene size (SIZES="small medium") and pairs, 1 and 2 threads (docs/benchmarks.md).
bench-scale: build
	bash scripts/bench_scale.sh $(BUILD)

## Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: setup
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

## The unit tests of the numeric core (core, io, import, geometry, offsets, coreg, timeseries, network) under
## ASan + UBSan: what CI runs when its time budget allows (the full `make asan` takes ~16 min on 2 cores).
ASAN_CORE_TESTS = core/test_core io/test_io fuzz/test_fuzz_replay import/test_import geometry/test_geometry offsets/test_offsets coreg/test_coreg timeseries/test_timeseries network/test_network
asan-core: setup
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS) --target $(notdir $(ASAN_CORE_TESTS))
	set -e; for t in $(ASAN_CORE_TESTS); do echo "== $$t"; build-asan/tests/$$t --gtest_brief=1; done

## Fuzz the parsers with libFuzzer (clang; only the libraries they need, in build-fuzz/) for FUZZ_SECONDS
## each; a finding fails with its input file named (fuzz/README.md).
FUZZ_SECONDS ?= 60
fuzz: setup
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DORTHOTRACK_BUILD_FUZZ=ON -DORTHOTRACK_BUILD_TESTS=OFF -DORTHOTRACK_BUILD_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz_all
	bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-asan build-bench build-fuzz
