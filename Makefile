# Front door to the CMake build. See README.md.
BUILD     ?= build
SAN_BUILD ?= build-san
PREFIX    ?= /usr/local
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build check check-fast check-san demo install bench bench-peers deps clean

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Every test: the normal build, then the whole suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer with the fuzz smoke runs.
check: check-fast check-san

check-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

$(SAN_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(SAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DEAA_SANITIZE=ON -DEAA_FUZZ=ON

check-san: $(SAN_BUILD)/CMakeCache.txt
	cmake --build $(SAN_BUILD) -j $(JOBS)
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD)

# The pkg-config file records the prefix, so configure with it before installing.
install: $(BUILD)/CMakeCache.txt
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_INSTALL_PREFIX=$(abspath $(PREFIX))
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

bench: build
	$(BUILD)/bin/bench-handshake
	$(BUILD)/bin/bench-quote
	$(BUILD)/bin/bench-snp
	$(BUILD)/bin/bench-rego
	for c in 1 8 64; do $(BUILD)/bin/bench-keyrelease -c $$c -n 200 $(BUILD)/bin; done
	$(BUILD)/bin/bench-keyrelease --clients 64 --releases 1000 --persistent --client-threads 1 $(BUILD)/bin
	$(BUILD)/bin/bench-keyrelease --clients 64 --releases 1000 --persistent $(BUILD)/bin
	$(BUILD)/bin/bench-keyrelease --clients 64 --releases 200 --plain $(BUILD)/bin
	$(BUILD)/bin/bench-keyrelease --idle 5000 $(BUILD)/bin
	$(BUILD)/bin/bench-agent --callers 64 --calls 500 $(BUILD)/bin
	$(BUILD)/bin/bench-agent --callers 64 --calls 500 --h2load $(BUILD)/bin
	$(BUILD)/bin/bench-agent --callers 64 --calls 500 --h2load --resource $(BUILD)/bin
	$(BUILD)/bin/bench-kbs --clients 64 --attests 30 --gets 100 $(BUILD)/bin
	$(BUILD)/bin/bench-kbs --clients 64 --attests 30 --gets 100 --https $(BUILD)/bin

# bench-rego beside OPA and regorus in the same run (needs Go and cargo)
bench-peers: build
	bench/rego-vs-peers.sh $(BUILD)

deps:
	scripts/install-deps.sh

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
