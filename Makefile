# dirctl: the two commands of the README, each installing what is missing.
#   make demo   build, install, and run the main job on a local SQLite file (acme.db)
#   make test   build, install, and run every test (GoogleTest, pytest, notebooks,
#               mypy and the layer checks, and the C++ tests once more under
#               ASan + UBSan, and once under TSan); the PostgreSQL tests run
#               against a throwaway local cluster that CTest starts and stops
# Needs root (apt) on a fresh Debian 12 machine; both are safe to re-run.

PYTHON   ?= python3
JOBS     ?= 2
DB       ?= acme.db
APT_PKGS := g++ pkg-config sqlite3 libsqlite3-dev libsqlitecpp-dev libspdlog-dev libfmt-dev \
            libboost-graph-dev libsodium-dev libgtest-dev libhowardhinnant-date-dev nlohmann-json3-dev libcsv-dev \
            liboath-dev postgresql-15 libpq-dev libpqxx-dev
PYBIND11_DIR = $(shell $(PYTHON) -m pybind11 --cmakedir)

.PHONY: demo test deps install test-build test-static test-cpp-sanitized test-cpp-threads bench clean

deps:
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	$(PYTHON) -m pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "pybind11>=3.0" ninja cmake

install: deps
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-build-isolation ".[test,bench]"

demo: install
	$(PYTHON) examples/quickstart.py $(DB)

test-build: install
	cmake -S . -B build/tests -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDIRCTL_BUILD_TESTS=ON \
	  -DDIRCTL_BUILD_PYTHON=OFF -Dpybind11_DIR=$(PYBIND11_DIR) -DPython_EXECUTABLE=$$(command -v $(PYTHON))
	cmake --build build/tests -j $(JOBS)

test-cpp-sanitized: deps
	cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDIRCTL_SANITIZE=ON -DDIRCTL_BUILD_TESTS=ON \
	  -DDIRCTL_BUILD_PYTHON=OFF -DDIRCTL_TEST_PYTHON=OFF
	cmake --build build/asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/cpp/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build/asan --output-on-failure

test-cpp-threads: deps
	cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDIRCTL_SANITIZE_THREAD=ON \
	  -DDIRCTL_BUILD_TESTS=ON -DDIRCTL_BUILD_PYTHON=OFF -DDIRCTL_TEST_PYTHON=OFF
	cmake --build build/tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build/tsan --output-on-failure

# Static checks: strict typing of the Python package, no import cycle in it,
# and the engine's layer rules (SQL only in store/, arrows one way).
test-static: install
	$(PYTHON) -m mypy python/dirctl
	$(PYTHON) tests/check_python_imports.py
	$(PYTHON) tests/check_layers.py

test: test-build test-static test-cpp-sanitized test-cpp-threads
	ctest --test-dir build/tests --output-on-failure

bench: install
	cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DDIRCTL_BUILD_BENCH=ON -DDIRCTL_BUILD_PYTHON=OFF
	cmake --build build/bench -j $(JOBS)
	./build/bench/bench/directory_bench
	$(PYTHON) bench/directory_bench.py
	./build/bench/bench/authz_bench
	$(PYTHON) bench/authz_bench.py
	./build/bench/bench/graph_bench
	$(PYTHON) bench/graph_bench.py
	$(PYTHON) bench/import_bench.py
	./build/bench/bench/soak_bench
	./build/bench/bench/runs_bench
	$(PYTHON) bench/runs_bench.py
	./build/bench/bench/schedule_bench
	$(PYTHON) bench/schedule_bench.py
	./build/bench/bench/identity_bench
	$(PYTHON) bench/pg_bench.py
	$(PYTHON) bench/store_bench.py

clean:
	rm -rf build $(DB) $(DB)-wal $(DB)-shm
