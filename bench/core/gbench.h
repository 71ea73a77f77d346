/*
 * gbench.h - a C interface to Google Benchmark 1.7.1 (C++).
 *
 * Benchmarks are plain C functions registered with rb_register().  Each one receives an
 * opaque per-thread rb_state (a benchmark::State) and drives the measured loop itself:
 *
 *     static inline void op(uint64_t *c) { ... }            // the operation, inlined
 *
 *     static void bm(rb_state *st, void *arg)
 *     {
 *         uint64_t c = 0;
 *         while (rb_keep_running_batch(st, 1024))            // one call per 1024 ops
 *             for (int i = 0; i < 1024; i++)
 *                 op(&c);                                    // no call, no indirection
 *         rb_counter_set(st, "c", (double)c, RB_COUNTER_DEFAULT);
 *     }
 *
 * Only rb_keep_running*() is a real (direct, not indirect) call, once per batch; the
 * operations inside the batch are whatever the C compiler makes of the inline code.
 *
 * Process level: rb_register()/rb_bench_*() -> rb_initialize_with_help() -> (own
 * flags) -> rb_add_context() -> rb_run_specified() -> rb_shutdown().
 * rb_initialize_with_help() is benchmark::Initialize() and rb_run_specified() is
 * benchmark::RunSpecifiedBenchmarks(), so every --benchmark_* flag of the library works
 * (filter, repetitions, min_time, out, out_format, format, list_tests, context, ...).
 *
 * Errors: no C++ exception ever leaves this interface.  Functions returning int return
 * 0 on success and -1 on bad input or failure, after printing one line "gbench: ..." to
 * stderr that names the value and what is accepted.  Misuse inside a running benchmark
 * (bad counter flags, a batch below 1, returning early, ...) marks that benchmark as failed through
 * SkipWithError: its JSON entry has "error_occurred": true, "error_message": "...", and no
 * times or counters; the process never aborts because of it.
 *
 * Threading: registration, rb_bench_*() and the process-level calls are not thread-safe;
 * call them from one thread before rb_run_specified().  The per-state calls may be made
 * concurrently by the benchmark threads, each on its own rb_state.
 *
 * ---------------------------------------------------------------------------------------
 * Facts about Google Benchmark 1.7.1 this interface relies on (from the installed
 * benchmark/benchmark.h and the library sources src/benchmark.cc, src/benchmark_runner.cc,
 * src/counter.cc, src/thread_manager.h, src/thread_timer.h, src/reporter.cc; the test
 * tests/test_gbench_shim.c checks each numeric consequence against the installed library):
 *
 * F1 Loop protocol (State::KeepRunningInternal, inline in the header).  The state starts
 *    with total_iterations_ = 0.  The first KeepRunning/KeepRunningBatch call calls
 *    StartKeepRunning(), which sets total_iterations_ = max_iterations, waits on a barrier
 *    shared by all threads of the run, then starts this thread's timer.  Each call then
 *    takes n iterations off total_iterations_ and returns true while total_iterations_ >= n.
 *    When fewer than n remain but more than 0 (batch only), it returns true once more and
 *    records the overshoot (batch_leftover_ = n - remaining).  When 0 remain it calls
 *    FinishKeepRunning(): stop this thread's timer, then wait on the same all-threads
 *    barrier, and returns false.  State::iterations() = max_iterations - total_iterations_
 *    + batch_leftover_, so a batch loop of n runs ceil(max_iterations / n) * n iterations.
 *
 * F2 Same-window pattern.  rb_keep_running_batch(st, rb_max_iterations(st)) called once
 *    returns true (all threads released together from the start barrier, timer running)
 *    and leaves 0 iterations; the second call returns false after stopping the timer and
 *    after every thread of the run has made its own second call (finish barrier).  The
 *    thread then reports exactly rb_max_iterations(st) iterations.  All threads of one run
 *    get the same max_iterations.  The barrier is a mutex + condition variable, so
 *    anything a thread wrote before its second call is visible to every thread after its
 *    second call returns (e.g. thread 0 can sum per-thread results and set counters).
 *    The timer stops before the finish barrier: a thread's CPU/real time covers its own
 *    work, not the wait for slower threads.
 *
 * F3 Thread results (RunInThread).  After a thread returns from the benchmark function,
 *    under the run mutex: iterations, cpu time, real time and manual time are added to
 *    the run's totals and its counters are merged with internal::Increment(): the values
 *    of counters with the same name are SUMMED over threads; a counter that only one
 *    thread set keeps that thread's value (not multiplied by the thread count); the flags
 *    kept are those of the first thread that merged that name, so use the same flags on
 *    every thread.
 *
 * F4 Time (BenchmarkRunner::DoNIterations).  real_time_used and manual_time_used are
 *    divided by the thread count (average over threads); cpu_time_used is NOT (sum over
 *    threads).  The reported "iterations" is the sum over threads.  The JSON "real_time"
 *    and "cpu_time" are accumulated time * unit multiplier / iterations
 *    (Run::GetAdjustedRealTime/CPUTime); with T threads each running I iterations over a
 *    window W that is real_time = W / (T * I), i.e. per-thread latency divided by T.
 *    With UseManualTime the "real_time" uses the manual time.
 *
 * F5 Manual time (ThreadTimer::SetIterationTime).  Each call ADDS its seconds to the
 *    thread's manual time, so one call per thread with the whole window length is as good
 *    as one call per iteration.  With T threads the run's manual time is the average of
 *    the T per-thread sums (F4).  UseManualTime decides, from that average, whether the
 *    run was long enough; the "real time >= 5 * min_time" escape does not apply to it.
 *
 * F6 Counter finishing (internal::Finish, src/counter.cc), applied once to the merged
 *    (summed) value v with I = total iterations, T = threads, S = the run's seconds:
 *      kIsRate: v /= S;  kAvgThreads: v /= T;  kIsIterationInvariant: v *= I;
 *      kAvgIterations: v /= I;  kInvert: v = 1 / v (always last).
 *    S is the manual time average (UseManualTime), the real time average (UseRealTime),
 *    otherwise the CPU time SUMMED over threads: with CPU time a rate summed over T
 *    threads is divided by about T times the wall time, i.e. it is a per-thread rate.
 *    items_per_second (rb_set_items_processed) is a kIsRate counter.
 *
 * F7 Iteration growth (BenchmarkRunner).  Without a fixed iteration count a run starts at
 *    1 iteration per thread and is repeated with more until S >= min_time (or an error,
 *    or 1e9 iterations per thread).  The next count is max(multiplier * i, i + 1) with
 *    multiplier = 1.4 * min_time / S when the last run took more than 10% of min_time and
 *    10 otherwise.  The benchmark function is therefore called several times per
 *    reported result, every time with a new rb_state; only the last run is reported.
 *    Repetitions reuse the count found by the first repetition.
 *
 * F8 Errors (State::SkipWithError).  The first message of any thread is kept; the
 *    thread's remaining iterations are set to 0 and its timer stopped, so its next
 *    KeepRunning* call returns false.  An errored run reports no times and no counters.
 *
 * F9 Flags: in 1.7.1 --benchmark_min_time takes a plain number of seconds
 *    ("--benchmark_min_time=0.01"; the "0.01s" / "100x" forms arrived in 1.8.0).
 *    RunSpecifiedBenchmarks() returns the number of benchmark instances matched by the
 *    filter (also with --benchmark_list_tests, which lists names and runs nothing), and
 *    0 when none matched.
 */
#ifndef REFBENCH_GBENCH_H
#define REFBENCH_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rb_state rb_state; /* opaque: one thread's benchmark::State */
typedef struct rb_bench rb_bench; /* opaque: one registered benchmark family */

/* A benchmark function.  Called once per thread per run (F7), with arg as registered.
 * It must call rb_keep_running_batch() until it returns false; if it
 * returns earlier, the shim marks the run as an error ("returned before the loop ended")
 * and completes the protocol for it, so other threads never hang. */
typedef void (*rb_fn)(rb_state *st, void *arg);

/* Counter flags (rb_counter_set).  Mapped one to one to benchmark::Counter flags; see
 * F6 for what each does to the value summed over threads (F3). */
#define RB_COUNTER_DEFAULT 0u                      /* value as summed over threads */
#define RB_COUNTER_IS_RATE (1u << 0)               /* kIsRate: / seconds (F6) */
#define RB_COUNTER_AVG_THREADS (1u << 1)           /* kAvgThreads: / threads */
#define RB_COUNTER_ITERATION_INVARIANT (1u << 2)   /* kIsIterationInvariant: * iterations */
#define RB_COUNTER_AVG_ITERATIONS (1u << 3)        /* kAvgIterations: / iterations */
#define RB_COUNTER_INVERT (1u << 4)                /* kInvert: 1 / value, applied last */
#define RB_COUNTER_ONEK_1024 (1u << 5)             /* kIs1024: console prefixes k=1024 */
#define RB_COUNTER_THREAD_AVG_RATE (RB_COUNTER_IS_RATE | RB_COUNTER_AVG_THREADS)
#define RB_COUNTER_AVG_THREADS_RATE RB_COUNTER_THREAD_AVG_RATE
#define RB_COUNTER_ITERATION_INVARIANT_RATE (RB_COUNTER_IS_RATE | RB_COUNTER_ITERATION_INVARIANT)
#define RB_COUNTER_AVG_ITERATIONS_RATE (RB_COUNTER_IS_RATE | RB_COUNTER_AVG_ITERATIONS)
#define RB_COUNTER_ALL_FLAGS                                                          \
    (RB_COUNTER_IS_RATE | RB_COUNTER_AVG_THREADS | RB_COUNTER_ITERATION_INVARIANT | \
     RB_COUNTER_AVG_ITERATIONS | RB_COUNTER_INVERT | RB_COUNTER_ONEK_1024)

/* ---- registration (before rb_run_specified; one thread) ------------------------------ */

/* Registers fn under name (copied) with arg passed to every call.  Returns the benchmark,
 * owned by the library for the life of the process, or NULL (message printed) when name
 * is NULL or empty, fn is NULL, or memory ran out.  Without rb_bench_threads() the
 * benchmark runs with 1 thread. */
rb_bench *rb_register(const char *name, rb_fn fn, void *arg);


/* The rb_bench_*() setters return 0, or -1 with a message when b is NULL or the value is
 * refused (nothing is changed then).  They never abort, unlike the library's checks. */

/* ->Threads(n), n >= 1.  Each call adds one more instance run with n threads
 * (name suffix "/threads:n"). */
int rb_bench_threads(rb_bench *b, int n);
/* ->UseManualTime(): times come from rb_set_iteration_time (F5).  Refused after
 * rb_bench_use_real_time. */
int rb_bench_use_manual_time(rb_bench *b);
/* ->Iterations(n), n >= 1: exactly n iterations per thread (max_iterations = n), one run,
 * min_time ignored.  Refused after rb_bench_min_time. */
int rb_bench_iterations(rb_bench *b, int64_t n);

/* ---- inside a benchmark function (each thread on its own rb_state) -------------------- */

/* State::KeepRunningBatch(n), n >= 1: true when the caller should run n more iterations
 * (see F1, F2).  The first call starts the timer after all threads arrive; the call that
 * returns false stops it and waits for all threads.  After false it keeps returning false
 * without touching the library.  n < 1 fails the run
 * (SkipWithError) and returns false once the protocol is complete. */
bool rb_keep_running_batch(rb_state *st, int64_t n);
/* State::max_iterations: the iterations this thread is asked to run in this run; equal on
 * all threads of the run; >= 1. */
int64_t rb_max_iterations(rb_state *st);
/* This thread's index in [0, rb_thread_count(st)). */
int rb_thread_index(rb_state *st);
/* Number of threads running this benchmark instance. */
int rb_thread_count(rb_state *st);
/* State::SetIterationTime(seconds): ADDS seconds to this thread's manual time (F5).
 * A negative or non-finite value fails the run. */
void rb_set_iteration_time(rb_state *st, double seconds);
/* Sets this thread's counter name (copied) to value with flags (RB_COUNTER_*).  Setting
 * the same name again replaces this thread's value.  The run reports the sum over
 * threads, finished per F6.  Returns 0, or -1 (message printed, counter not set) when
 * name is NULL/empty, value is not finite, or flags has bits outside
 * RB_COUNTER_ALL_FLAGS.  An absent counter stays absent in the JSON. */
int rb_counter_set(rb_state *st, const char *name, double value, unsigned flags);
/* State::SkipWithError(msg): the run is reported as an error with msg (the first message
 * of any thread wins, F8); the next rb_keep_running* returns false.  A second call on the
 * same state is ignored. */
void rb_skip_with_error(rb_state *st, const char *msg);
/* True once this thread's state has an error (rb_skip_with_error or a misuse above). */
bool rb_error_occurred(rb_state *st);

/* ---- process level -------------------------------------------------------------------- */

/* Same, but --help calls help() (then exits 0) instead of the library's usage. */
int rb_initialize_with_help(int *argc, char **argv, void (*help)(void));
/* benchmark::AddCustomContext(key, value): an extra string in the JSON "context" object.
 * Call before rb_run_specified.  Returns -1 (message printed) for NULL arguments, a key
 * already added through this function, or after rb_shutdown. */
int rb_add_context(const char *key, const char *value);
/* benchmark::RunSpecifiedBenchmarks(): runs (or with --benchmark_list_tests lists) the
 * instances matching --benchmark_filter, writing the display format to stdout and, with
 * --benchmark_out=FILE, --benchmark_out_format to FILE.  Returns the number of instances
 * matched (F9); 0 when none matched or on failure (message printed). */
size_t rb_run_specified(void);
/* benchmark::Shutdown(): frees the library's context.  Call once, last; later calls are
 * ignored and later rb_add_context/rb_run_specified fail. */
void rb_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* REFBENCH_GBENCH_H */
