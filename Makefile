# A thin wrapper over CMake (the source of truth): make, make test, make install.
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)

.PHONY: all test test-asan fuzz install clean

all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)

test: all
	cd $(BUILD) && ctest --output-on-failure

# The whole suite again with AddressSanitizer and UBSan (a separate build folder).
test-asan:
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSENET_SANITIZE=ON
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure

# Every libFuzzer target for FUZZ_SECONDS (clang; see fuzz/run.sh, SECURITY.md).
FUZZ_SECONDS ?= 30
fuzz:
	bash fuzz/run.sh $(FUZZ_SECONDS)

install: all
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan build-fuzz
