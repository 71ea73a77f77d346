# refbench - module reference counting, measured.  `make help` prints this.
#
# Targets
#   bench         set up, build, run the default suite; writes results/<host>/<time>/ with
#                 charts, index.html and summary.txt, and ends with what the run found
#   bench-quick   the same with fewer settings and repetitions (a few minutes)
#   test          set up, build, run every test (scripts/run-tests.sh)
#   calibrate     run the suite CAL_RUNS times and store this machine's between-run noise
#                 for compare (results/<host>/calibration.json)
#   compare       OLD=run NEW=run: which benchmarks got slower, beyond the machine's noise
#   ab            OLD=rev NEW=rev: both builds run alternately (ABBA) in one time window;
#                 per benchmark the change with its interval over the pairs, and a verdict
#                 (writes results/<host>/ab-<time>/).  A SLOWER benchmark: the script's
#                 last line "ab: SLOWER: ...", its exit 1, which make shows as "Error 1"
#                 and exits 2 (as for any failure): for the status itself run
#                 scripts/pyrun scripts/ab.py --old=REV --new=REV (--help)
#   plots report  redraw the charts / rewrite index.html of RUN (default: the newest run)
#   perf          perf stat and perf record per scheme into RUN (default: the newest run):
#                 the counts, and where each scheme's time goes instruction by instruction
#   footprint     the memory table (refbench-footprint); race: the 2009 race step by step
#   qemu-numa     the placement audit in a 2-node virtual machine (QEMU, software emulation)
#   kbench        (root) the running kernel's own refcount beside the models
#   bench-guest   the lab in an emulated 8-vCPU, 4-node QEMU machine: its checks, with
#                 timings labelled emulated (NODES CPUS_PER_NODE MEM_MB PLACEMENTS TIMEOUT)
#   mutants       plant the small bugs of scripts/mutants.txt one at a time in a copy of
#                 the tree and report which the fast tests catch (long; not in make test)
#   all           build only, no set-up (also: tests-build, test-asan, test-tsan)
#   deps deps-bench deps-test deps-guest   install the build / bench / test / guest packages
#   clean         remove build/
#
# Variables (default in brackets; make bench and bench-quick)
#   SUITE=main,hot      parts of bench/suite.def to run [the suite; bench-quick: its quick parts]
#   SCENARIOS=hot,read  scenarios of the main part [all]   SCHEMES=percpu,atomic  [all]
#   THREADS=1,2,4       thread counts [1, 2, then the topology's boundaries]
#   PLACEMENT=scatter   compact, scatter or an hwloc location list [compact]
#   MODULES=2000        modules for spread and lifecycle [2000]
#   SPREAD_MODULES=...  working-set sweep [200,2000,10000,50000; bench-quick: none]
#   NR_CPUS=64          NR_CPUS of the models [64]   NR_CPU_IDS=N  possible CPUs [threads]
#   LINE=128            cache-line size, 64 or 128 [128]
#   COUNTERS=all        perf events in the benchmarks, all or none or a list [all]
#   REPS=5              repetitions [5; bench-quick: 2]   MIN_TIME=0.1  seconds each [0.1; 0.02]
#   PROCESSES=2         fresh processes a part's repetitions are spread over [2]
#   INTERLEAVE=1        random interleaving of repetitions (1/0) [1]
#   FILTER=REGEX        only the benchmarks whose names match [all]
#   FOOTPRINT_NR_CPUS=LIST  NR_CPUS of the memory table [8,16,...,8192; bench-quick: 8,64,4096]
#   CACHEGRIND=1 PERF=1 the simulated-miss step; the perf stat and perf record steps (1/0) [1, 1]
#   VERBOSE=0           1: every step's own output live (else logs/ in the run folder) [0]
#   V=0                 1: every build command [0]
#   RESULTS=results BUILD=build   where runs and builds go [results, build]
#   CALIBRATE=0         bench: also calibrate from CAL_RUNS runs [0]   CAL_RUNS=3 [3]
#   RUN=DIR             plots, report, perf: the run folder [the newest]
#   OLD=DIR NEW=DIR     compare: the two runs [none: both needed]   THRESHOLD=5 percent [5]
#   CALIBRATION=FILE    compare: the noise model [results/<host>/calibration.json]
#   ANYWAY=1            compare runs of other hosts, settings or schemes [0]
#   OLD=REV NEW=REV     ab: git revisions or build folders (holding refbench) [none: both needed]
#   SUITE= FILTER=      ab: parts of bench/ab.def or bench/suite.def, a name regex [ab.def's
#                       default parts: hot, spread, lifecycle at 1 thread]
#   AB_MIN=5            ab: time budget in minutes (at least 3 rounds run) [5]
#   THRESHOLD=5         ab: percent a change must pass, interval and all, to be SLOWER [5]
#   AB_FIGURE=cpu       ab: cpu (CPU time per iteration) or wall (ns_per_op) [cpu]
#   OLD_CFLAGS= NEW_CFLAGS=  ab: EXTRA_CFLAGS of a revision's build, e.g.
#                       NEW_CFLAGS="-DREFBENCH_INJECT_SLOWDOWN=0 -DREFBENCH_INJECT_ADDS=5
#                       -DREFBENCH_INJECT_IN_percpu" (one scheme about 10% slower) [none]
#   CPUS PEERS WINDOW_MS KDIR   kbench: see scripts/kbench.sh [every CPU, 64, 200, running kernel]
#   MUTANTS_ARGS=--all  mutants: every fast test for each mutant; "--only ID ..." some [none]

CC       ?= gcc
CXX      ?= g++
BUILD    ?= build
OPT      ?= -O2
WARN     := -Wall -Wextra -Werror
DEPFLAGS  = -MMD -MP
PKGS     := hwloc liburcu-qsbr
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?= $(OPT) -g
CXXFLAGS ?= $(OPT) -g
ALL_CFLAGS   = -std=gnu11 $(WARN) $(CFLAGS) -Ikernels $(BENCH_INC) $(PKG_CFLAGS) $(DEPFLAGS) $(EXTRA_CFLAGS)
ALL_CXXFLAGS = -std=c++17 $(WARN) $(CXXFLAGS) $(BENCH_INC) $(DEPFLAGS) $(EXTRA_CFLAGS)
LDLIBS   = $(PKG_LIBS) -lpthread -lm

# The schemes: one SCHEME(id) line each in kernels/schemes.def, one header
# kernels/scheme_<id>.h each.  Nothing else in the build names a scheme.
SCHEME_FILES := $(shell sed -n 's/^SCHEME(\([A-Za-z0-9_]*\)).*/\1/p' kernels/schemes.def)

KERNEL_SRCS := cpu stop_machine sched slab numa range_alloc percpu_alloc module_mem module_core schemes pda percpu_refcount
KERNEL_OBJS := $(KERNEL_SRCS:%=$(BUILD)/kernels/%.o) $(SCHEME_FILES:%=$(BUILD)/kernels/scheme_%.o)
KERNEL_LIB  := $(BUILD)/libkernels.a

.PHONY: all deps deps-test deps-bench deps-guest bench-guest test tests-build test-asan test-tsan \
        bench bench-quick build-quiet calibrate calibrate-runs plots report perf compare ab qemu-numa \
        footprint race kbench mutants clean help

all: $(BUILD)/refbench $(BUILD)/refbench-footprint $(BUILD)/refbench-audit $(BUILD)/refbench-race \
     $(BUILD)/refbench-kbench

help:
	@sed -n '1,/^$$/{s/^# \{0,1\}//;p}' Makefile

# ---- set-up ------------------------------------------------------------------
deps:
	@scripts/setup-deps.sh build
deps-test:
	@scripts/setup-deps.sh test
deps-bench:
	@scripts/setup-deps.sh bench
deps-guest:
	@scripts/setup-deps.sh guest

# ---- kernels/ ----------------------------------------------------------------
$(BUILD)/kernels/%.o: kernels/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/kernels/scheme_%.o: kernels/scheme_instance.c kernels/scheme_%.h kernels/schemes.def
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSCHEME_ID=$* -DSCHEME_HEADER='"scheme_$*.h"' -c $< -o $@

$(KERNEL_LIB): $(KERNEL_OBJS)
	@rm -f $@
	ar rcs $@ $^

# ---- bench/ ------------------------------------------------------------------
# Four rooms: core/ (the Google Benchmark shim, the measurement window, the
# harness, counters, JSON), place/ (hwloc topology, placement plans,
# locations), loops/ (the measured loops: scenarios, controls, baselines) and
# progs/ (the programs: refbench's main and options, footprint, audit, race,
# kbench).  Every room is on the include path: a header is named by its file.
BENCH_ROOMS := core place loops progs
BENCH_INC   := $(BENCH_ROOMS:%=-Ibench/%)

# The measured loops, listed like the schemes: one line each in
# bench/loops/scenarios.def, controls.def and baselines.def, one file each.
# Nothing else in the build names one.
SCENARIO_FILES := $(shell sed -n 's/^SCENARIO(\([A-Za-z0-9_]*\)).*/\1/p' bench/loops/scenarios.def)
CONTROL_FILES  := $(sort $(shell sed -n 's/^CONTROL([A-Za-z0-9_]*, *\([A-Za-z0-9_]*\)).*/\1/p' bench/loops/controls.def))
BASELINE_FILES := $(shell sed -n 's/^BASELINE(\([A-Za-z0-9_]*\)).*/\1/p' bench/loops/baselines.def)

CORE_SRCS  := harness window counters counters_spec json lab_setup die options
PLACE_SRCS := placement placement_bind location topology tlb
LOOPS_SRCS := registry loop_register scenario_args module_layout sequence \
              $(SCENARIO_FILES:%=scenarios/%) $(CONTROL_FILES:%=controls/%) $(BASELINE_FILES:%=baselines/%)
PROGS_SRCS := cli
BENCH_OBJS := $(CORE_SRCS:%=$(BUILD)/bench/core/%.o) $(PLACE_SRCS:%=$(BUILD)/bench/place/%.o) \
              $(LOOPS_SRCS:%=$(BUILD)/bench/loops/%.o) $(PROGS_SRCS:%=$(BUILD)/bench/progs/%.o) \
              $(SCHEME_FILES:%=$(BUILD)/bench/loops/scenarios_%.o) \
              $(SCHEME_FILES:%=$(BUILD)/bench/loops/scenarios_inline_%.o) \
              $(BUILD)/bench/core/gbench_shim.o $(BUILD)/bench/loops/module_layout_data.o
GBENCH_LIBS := -lbenchmark

$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The default module layout table, built in (.incbin of the CSV).
$(BUILD)/bench/loops/module_layout_data.o: bench/loops/module_layout_data.S kernels/data/module-layout-debian12-amd64.csv
	@mkdir -p $(dir $@)
	$(CC) $(EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.o: bench/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

# A scenario file is compiled twice over: alone, its registration
# (bench/loops/scenarios/<id>.o, by the rule above), and its loops, in one
# translation unit per scheme with every other scenario's (scenario_unit.c
# includes them through scenario_files.h, generated from scenarios.def):
# with the kernel's call structure (codegen.h), and all inline (the control).
SCENARIO_UNIT := bench/loops/scenario_unit.c $(BUILD)/bench/loops/scenario_files.h \
                 $(SCENARIO_FILES:%=bench/loops/scenarios/%.c) kernels/schemes.def

$(BUILD)/bench/loops/scenario_files.h: bench/loops/scenarios.def
	@mkdir -p $(dir $@)
	sed -n 's/^SCENARIO(\([A-Za-z0-9_]*\)).*/#include "scenarios\/\1.c"/p' $< > $@

$(BUILD)/bench/loops/scenarios_inline_%.o: $(SCENARIO_UNIT) kernels/scheme_%.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/bench/loops -DSCHEME_ID=$* -DSCHEME_HEADER='"scheme_$*.h"' -DREFBENCH_CODEGEN_INLINE -c $< -o $@

$(BUILD)/bench/loops/scenarios_%.o: $(SCENARIO_UNIT) kernels/scheme_%.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/bench/loops -DSCHEME_ID=$* -DSCHEME_HEADER='"scheme_$*.h"' -c $< -o $@

BENCH_LIB := $(BUILD)/libbench.a
$(BENCH_LIB): $(BENCH_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/refbench: $(BUILD)/bench/progs/main.o $(BENCH_LIB) $(KERNEL_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(GBENCH_LIBS) $(LDLIBS)

$(BUILD)/refbench-footprint: $(BUILD)/bench/progs/footprint.o $(BENCH_LIB) $(KERNEL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/refbench-audit: $(BUILD)/bench/progs/audit.o $(BENCH_LIB) $(KERNEL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The deterministic race: each scheme built once more with a hook between
# the steps of module_refcount()'s sum (compat.h REFCOUNT_WALK_STEP).
RACE_OBJS := $(SCHEME_FILES:%=$(BUILD)/bench/progs/race_%.o)
$(BUILD)/bench/progs/race_%.o: bench/progs/race_instance.c kernels/scheme_%.h kernels/schemes.def
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSCHEME_ID=$* -DSCHEME_HEADER='"scheme_$*.h"' -DREFBENCH_STEP_HOOK -c $< -o $@

$(BUILD)/refbench-race: $(BUILD)/bench/progs/race.o $(RACE_OBJS) $(BENCH_LIB) $(KERNEL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The userspace side of the kernel module (kernels/kmod/): runs it through
# debugfs and writes its figures as Google Benchmark JSON.
$(BUILD)/refbench-kbench: $(BUILD)/bench/progs/kbench.o $(BENCH_LIB)
	$(CC) $(LDFLAGS) -o $@ $^

# ---- tests/ ------------------------------------------------------------------
C_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(BENCH_LIB) $(KERNEL_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ -lcmocka $(GBENCH_LIBS) $(LDLIBS)

tests-build: all $(C_TESTS)

# Everything: set-up, the normal build, sanitizer builds, C and Python tests,
# the NUMA virtual machine.  One summary line at the end.
test: deps-test
	@scripts/run-tests.sh

# The sanitizer builds use their own build folders.
test-asan:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/asan CC=clang CXX=clang++ OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" tests-build
test-tsan:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan CC=clang CXX=clang++ OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=thread -DREFBENCH_LOCAL_RELAXED" LDFLAGS="-fsanitize=thread" tests-build

# ---- running -----------------------------------------------------------------
# Settings passed to scripts/run-bench.sh (empty = its default).
export PEERS WINDOW_MS CPUS KDIR
export NODES CPUS_PER_NODE MEM_MB PLACEMENTS TIMEOUT
export VERBOSE SUITE THREADS MODULES SPREAD_MODULES NR_CPUS NR_CPU_IDS LINE PLACEMENT COUNTERS REPS MIN_TIME FILTER SCHEMES SCENARIOS \
       FOOTPRINT_NR_CPUS CACHEGRIND PERF RESULTS BUILD PROCESSES INTERLEAVE
RUN ?=

# The build as make bench shows it: nothing but errors and warnings (V=1: every command).
build-quiet:
	@echo "== building the lab (make all)"
	@$(MAKE) --no-print-directory $(if $(filter 1,$(V)),,-s) all

# After a run: its charts and report (their progress in RUN/logs/charts.log), then what it
# found, on one screen (RUN/summary.txt).
define finish_run
mkdir -p "$$run/logs" && echo "== charts and report" && \
 if [ "$(VERBOSE)" = 1 ]; then $(MAKE) --no-print-directory plots report RUN=$$run; \
 else $(MAKE) --no-print-directory plots report RUN=$$run >"$$run/logs/charts.log" 2>&1 || \
   { tail -n 15 "$$run/logs/charts.log"; exit 1; }; fi && \
 echo && scripts/pyrun -m rbresults.summary --write "$$run"
endef

# make bench CALIBRATE=1: the run, then CAL_RUNS-1 more of the same build, and the
# machine's calibration from all of them.
bench: deps-bench build-quiet
	@run=$$(scripts/run-bench.sh) && \
	 if [ "$(CALIBRATE)" = 1 ]; then $(MAKE) --no-print-directory calibrate-runs FIRST=$$run; fi && \
	 $(finish_run)

# The machine's noise model: CAL_RUNS runs of the suite back to back (benchmarks, without
# the cachegrind and perf steps), then rbresults.calibrate over them.
CAL_RUNS ?= 3
calibrate: deps-bench all
	@$(MAKE) --no-print-directory calibrate-runs FIRST=

calibrate-runs:
	@case "$(CAL_RUNS)" in ''|*[!0-9]*|0|1) \
	   echo "calibrate: CAL_RUNS='$(CAL_RUNS)' not accepted (accepted: a whole number >= 2)" >&2; \
	   exit 2;; esac; \
	 runs="$(FIRST)"; n=$$(( $(CAL_RUNS) - $$(echo $$runs | wc -w) )); \
	 for i in $$(seq $$n); do \
	   run=$$(CACHEGRIND=0 PERF=0 scripts/run-bench.sh) || exit 1; runs="$$runs $$run"; \
	 done; \
	 scripts/pyrun -m rbresults.calibrate $$runs

bench-quick: deps-bench build-quiet
	@run=$$(QUICK=1 scripts/run-bench.sh) && $(finish_run)

plots:
	@scripts/pyrun -m rbresults.plots $(RUN)

report:
	@scripts/pyrun -m rbresults.report $(RUN)

# perf stat per scheme into an existing run folder (default: the newest).
perf: all
	@run="$(RUN)"; if [ -z "$$run" ]; then run=$$(scripts/pyrun -m rbresults --newest) || exit 2; fi; \
	 scripts/pyrun scripts/perf_stat.py --binary $(BUILD)/refbench --run-dir "$$run" && \
	 scripts/pyrun scripts/perf_record.py --binary $(BUILD)/refbench --run-dir "$$run"

# Compare two runs: make compare OLD=results/h/t1 NEW=results/h/t2 [THRESHOLD=5]
#   [CALIBRATION=file] [ANYWAY=1: compare runs of different hosts, settings or schemes]
THRESHOLD ?= 5
compare:
	@if [ -z "$(OLD)" ] || [ -z "$(NEW)" ]; then \
	   echo "compare: OLD='$(OLD)' NEW='$(NEW)': both are needed (accepted: two run folders or bench.json files, e.g. make compare OLD=results/<host>/<time1> NEW=results/<host>/<time2>)" >&2; \
	   exit 2; fi
	@scripts/pyrun -m rbresults.compare $(OLD) $(NEW) --threshold $(THRESHOLD) \
	  $(if $(CALIBRATION),--calibration $(CALIBRATION)) $(if $(filter 1,$(ANYWAY)),--anyway)

# Two builds in the same time window: make ab OLD=rev NEW=rev [SUITE= FILTER= AB_MIN=5
#   THRESHOLD=5 OLD_CFLAGS= NEW_CFLAGS=]; scripts/ab.py builds revisions under $(BUILD)/ab/.
AB_MIN ?= 5
AB_FIGURE ?= cpu
# make turns any failing status into its own exit 2, so the last line says which it was.
ab:
	@rc=0; scripts/pyrun scripts/ab.py --old="$(OLD)" --new="$(NEW)" --suite="$(SUITE)" \
	  --filter='$(FILTER)' --minutes="$(AB_MIN)" --threshold="$(THRESHOLD)" \
	  --figure="$(AB_FIGURE)" --old-cflags="$(OLD_CFLAGS)" --new-cflags="$(NEW_CFLAGS)" --build="$(BUILD)" \
	  $(if $(RESULTS),--results="$(RESULTS)") || rc=$$?; \
	 case $$rc in \
	   0) ;; \
	   1) echo "make ab: scripts/ab.py exit 1: a benchmark SLOWER (the line above names it) or a step failed (make: Error 1, exit 2; for the status itself run scripts/pyrun scripts/ab.py)" >&2 ;; \
	   2) echo "make ab: scripts/ab.py exit 2: bad input, nothing run (make: Error 2, exit 2)" >&2 ;; \
	   *) echo "make ab: scripts/ab.py exit $$rc: stopped (make: Error $$rc)" >&2 ;; \
	 esac; exit $$rc

footprint: all
	@$(BUILD)/refbench-footprint

# The race of the 2009 refcount, shown step by step for every scheme.
race: all
	@$(BUILD)/refbench-race

# The lab on a topology this machine does not have: hot, spread, read, unload and handoff
# in a QEMU guest of 8 vCPUs in 4 NUMA nodes (software emulation), with the placement audit
# and the checks emulation leaves true, into results/emulated/; charts and report labelled
# emulated. Settings: NODES CPUS_PER_NODE THREADS PLACEMENTS NR_CPUS SCHEMES ... (see the script).
bench-guest: deps-guest all
	@rc=0; run=$$(scripts/bench-guest.sh) || rc=$$?; \
	 if [ -n "$$run" ]; then $(MAKE) --no-print-directory plots report RUN=$$run || rc=1; fi; \
	 exit $$rc

# Boot a 2-node virtual machine and run the placement audit in it.
qemu-numa: all
	@scripts/qemu-numa.sh -- $(BUILD)/refbench-audit

# The running kernel, the lab's schemes in kernel mode and the userspace
# models side by side (root, the kernel's headers, CONFIG_MODULE_UNLOAD):
# builds kernels/kmod/, loads it, runs it, unloads it, writes a run folder.
kbench: all
	@scripts/kbench.sh

# Not part of make test: one build and the relevant tests per mutant (MUTANTS_ARGS=--all:
# the whole fast set for each; MUTANTS_ARGS="--only ID ...": those mutants).
mutants: deps-test
	@scripts/pyrun scripts/mutants.py --scratch $(BUILD)/mutants $(MUTANTS_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
