# panorama: the two commands are `make demo` and `make test`.
# Each installs the missing Debian packages first (tools/install-deps.sh): `make demo` and
# `make install` only what building and running need, the other targets the test tools too.

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
JOBS       ?= 2
PANORAMA    = $(BUILD)/panorama
OUT        ?= out
PREFIX     ?= /usr/local
DESTDIR    ?=

.PHONY: all deps deps-run build build-run build-asan build-tsan build-fuzz demo install test \
	test-release test-asan test-tsan fuzz bench examples clean format

all: build

deps:
	@bash tools/install-deps.sh test

deps-run:
	@bash tools/install-deps.sh run

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DPN_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The program alone, with only what building and running need: the unit tests are configured
# only when cmocka is there already (make test installs it).
build-run: deps-run
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DPN_TESTS=$$(pkg-config --exists cmocka && echo ON || echo OFF) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target panorama

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPN_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The libFuzzer targets of tests/fuzz, built with clang, AddressSanitizer and UBSan.
build-fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPN_FUZZ=ON -DPN_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_csv fuzz_import fuzz_xlsx

# Each target for FUZZ_TIME seconds (side by side, on a copy of tests/fuzz/corpus); any
# finding fails, its input kept in $(FUZZ_BUILD)/fuzz-findings.
fuzz: build-fuzz
	@FUZZ_JOBS=$(JOBS) bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) fuzz_csv fuzz_import fuzz_xlsx

# The demo: import the bundled answers of 32 towns and write the funders' workbook.
demo: build-run
	@mkdir -p $(OUT)
	@rm -f $(OUT)/panorama.db
	$(PANORAMA) --db $(OUT)/panorama.db init
	$(PANORAMA) --db $(OUT)/panorama.db import --form centre_social examples/centre_social.csv examples/centre_social-partenaires.csv
	$(PANORAMA) --db $(OUT)/panorama.db import --form ecole examples/ecole.csv examples/ecole-partenaires.csv
	$(PANORAMA) --db $(OUT)/panorama.db structures import examples/annuaire.csv examples/centres.csv examples/qpv.csv examples/sirene.csv
	$(PANORAMA) --db $(OUT)/panorama.db report reports/demo.csv -o $(OUT)/panorama.xlsx
	$(PANORAMA) --db $(OUT)/panorama.db map -o $(OUT)/carte.umap -o $(OUT)/carte.geojson -o $(OUT)/carte.html
	@echo "demo: wrote $(OUT)/panorama.xlsx, $(OUT)/carte.umap, $(OUT)/carte.geojson and $(OUT)/carte.html"

# The program to PREFIX/bin, the forms and the demo spec to PREFIX/share/panorama (DESTDIR
# is prepended, for packaging). sudo only when the folder is not writable.
install: build-run
	@dest="$(DESTDIR)$(PREFIX)"; while [ ! -e "$$dest" ]; do dest=$$(dirname "$$dest"); done; \
	  sudo=""; [ -w "$$dest" ] || sudo=sudo; \
	  $$sudo env DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

# Every test, in the normal build and under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the fuzz targets for a bounded time.
test: test-release test-asan test-tsan fuzz

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# Under ThreadSanitizer (one data race fails them): the tests of the import, whose rows are
# read in one thread and stored in another, and of the counting, whose scans are read in two
# halves on two threads (e2e_outputs runs the program's reports and tabs).
TSAN_TESTS = ^(test_import|test_recalc|test_tabulate|e2e_import|e2e_outputs)$$

build-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPN_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target panorama pn-generate test_import test_recalc test_tabulate

test-tsan: build-tsan
	@cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	  ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# Rewrite the bundled example exports with the deterministic generator.
examples: build
	$(BUILD)/pn-generate examples examples

# National scale: 1,000,000 reported links; times the import beside sqlite3 .import, the
# pipeline (exports to workbook) beside a pandas script, the report and tab (bench/run.sh).
bench: build
	@bash tools/install-deps.sh bench
	@bash bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(OUT) bench/data
