# The commands a newcomer types: `make demo`, `make test`, `make bench`. Each installs what is missing
# (Debian 12 packages, via tools/install-deps.sh) and builds first.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
PYTHON ?= /usr/bin/python3
# Seconds each fuzz target runs inside `make test`.
FUZZ_SECONDS ?= 20

.PHONY: all deps build fuzz-build test unit-test layering fuzz system-test demo bench format clean

all: build

deps:
	@tools/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

fuzz-build: deps
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
		-DDANEMAIL_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz-targets

test: build layering unit-test fuzz system-test

layering:
	@tools/check-layering.sh

unit-test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz: fuzz-build
	@tools/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

system-test: build
	@DANEMAIL=$(abspath $(BUILD))/danemail $(PYTHON) -m pytest -q tests/system

demo: build
	@tools/demo.sh $(abspath $(BUILD))/danemail

bench: build
	@bench/run.sh $(abspath $(BUILD))/danemail

format:
	@clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp')

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
