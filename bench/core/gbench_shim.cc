// gbench_shim.cc - implementation of bench/core/gbench.h over Google Benchmark 1.7.1.
//
// Every extern "C" function catches all exceptions: nothing thrown by the C++ library
// or by std::string / std::map allocation may unwind through the C callers' frames.

#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

struct rb_bench {
    std::string name;
    rb_fn fn = nullptr;
    void *arg = nullptr;
    benchmark::internal::Benchmark *gb = nullptr;
    bool has_arg = false;
    bool has_iterations = false;
    bool has_min_time = false;
    bool manual_time = false;
    bool real_time = false;
};

// One per thread per run, on the stack of the registered lambda.  The flags mirror the
// library's private State flags so that misuse becomes SkipWithError instead of a
// BM_CHECK abort.
struct rb_state {
    benchmark::State *s;
    rb_bench *b;
    bool started;  // a rb_keep_running* call has been made
    bool finished; // a rb_keep_running* call returned false
};

namespace {

std::vector<std::unique_ptr<rb_bench>> &registry()
{
    static std::vector<std::unique_ptr<rb_bench>> r;
    return r;
}

std::set<std::string> &context_keys()
{
    static std::set<std::string> k;
    return k;
}

bool g_shut_down = false;

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "gbench: %s\n", buf);
}

// Marks the run failed.  The library keeps the first message of any thread.
void fail(rb_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fail(rb_state *st, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (st->s->error_occurred())
        return;
    try {
        st->s->SkipWithError(buf);
    } catch (...) {
        // SkipWithError copies the message into a std::string; if even that fails the
        // run cannot be marked, so say so and let the caller stop the loop.
        fprintf(stderr, "gbench: cannot record error for %s: %s\n", st->b->name.c_str(),
                buf);
    }
}

// Completes the library's loop protocol for a thread that left its benchmark function
// before rb_keep_running* returned false: mark the run failed, then one KeepRunning()
// passes the start barrier if needed (no timing, the state has an error) and the finish
// barrier, so the other threads are not left waiting and RunInThread's check holds.
void finish_abandoned(rb_state *st)
{
    if (st->finished)
        return;
    if (!st->s->error_occurred())
        fail(st, "%s: benchmark function returned before rb_keep_running* returned false",
             st->b->name.c_str());
    while (st->s->KeepRunning()) {
    }
    st->finished = true;
}

void run_one(rb_bench *b, benchmark::State &s)
{
    rb_state st{&s, b, false, false};
    b->fn(&st, b->arg);
    finish_abandoned(&st);
}

bool check_bench(const rb_bench *b, const char *what)
{
    if (b == nullptr) {
        say("%s: benchmark is NULL (use the value returned by rb_register)", what);
        return false;
    }
    return true;
}

// Runs f() for setter what on b; any exception becomes a message and -1.
template <class F> int guarded(const char *what, const rb_bench *b, F f)
{
    try {
        f();
        return 0;
    } catch (const std::exception &e) {
        say("%s: %s: %s", what, b->name.c_str(), e.what());
    } catch (...) {
        say("%s: %s: unknown exception", what, b->name.c_str());
    }
    return -1;
}

bool keep_running_slow(rb_state *st, int64_t n)
{
    if (st->finished)
        return false;
    if (n < 1)
        fail(st, "%s: rb_keep_running_batch n=%lld, accepted: n >= 1", st->b->name.c_str(),
             static_cast<long long>(n));
    // With an error recorded the library stops the loop (F8): at most one more true for
    // a batch, then the finish barrier.
    bool r = st->s->KeepRunningBatch(n < 1 ? 1 : n);
    st->started = true;
    if (!r)
        st->finished = true;
    return r;
}

} // namespace

extern "C" {

rb_bench *rb_register(const char *name, rb_fn fn, void *arg)
{
    if (name == nullptr || name[0] == '\0') {
        say("rb_register: name is %s, accepted: a non-empty string",
            name == nullptr ? "NULL" : "empty");
        return nullptr;
    }
    if (fn == nullptr) {
        say("rb_register: %s: function is NULL, accepted: a benchmark function", name);
        return nullptr;
    }
    try {
        auto b = std::make_unique<rb_bench>();
        b->name = name;
        b->fn = fn;
        b->arg = arg;
        rb_bench *raw = b.get();
        b->gb = benchmark::RegisterBenchmark(
            name, [raw](benchmark::State &s) { run_one(raw, s); });
        if (b->gb == nullptr) {
            say("rb_register: %s: the library refused the benchmark", name);
            return nullptr;
        }
        registry().push_back(std::move(b));
        return raw;
    } catch (const std::exception &e) {
        say("rb_register: %s: %s", name, e.what());
    } catch (...) {
        say("rb_register: %s: unknown exception", name);
    }
    return nullptr;
}

int rb_bench_threads(rb_bench *b, int n)
{
    if (!check_bench(b, "rb_bench_threads"))
        return -1;
    if (n < 1) {
        say("rb_bench_threads: %s: threads=%d, accepted: >= 1", b->name.c_str(), n);
        return -1;
    }
    return guarded("rb_bench_threads", b, [&] {
        b->gb->Threads(n);
    });
}

int rb_bench_use_manual_time(rb_bench *b)
{
    if (!check_bench(b, "rb_bench_use_manual_time"))
        return -1;
    if (b->real_time) {
        say("rb_bench_use_manual_time: %s: already uses real time, accepted: one of "
            "manual time or real time",
            b->name.c_str());
        return -1;
    }
    return guarded("rb_bench_use_manual_time", b, [&] {
        b->gb->UseManualTime();
        b->manual_time = true;
    });
}

int rb_bench_iterations(rb_bench *b, int64_t n)
{
    if (!check_bench(b, "rb_bench_iterations"))
        return -1;
    if (n < 1) {
        say("rb_bench_iterations: %s: iterations=%lld, accepted: >= 1", b->name.c_str(),
            static_cast<long long>(n));
        return -1;
    }
    if (b->has_min_time) {
        say("rb_bench_iterations: %s: a min time is already set, accepted: one of "
            "iterations or min time",
            b->name.c_str());
        return -1;
    }
    return guarded("rb_bench_iterations", b, [&] {
        b->gb->Iterations(n);
        b->has_iterations = true;
    });
}

bool rb_keep_running_batch(rb_state *st, int64_t n)
{
    if (__builtin_expect(n < 1 || st->finished, 0))
        return keep_running_slow(st, n);
    // Inline in the library header: a decrement and compare, plus the start/finish
    // calls on the first and last call (F1).
    bool r = st->s->KeepRunningBatch(n);
    st->started = true;
    if (__builtin_expect(!r, 0))
        st->finished = true;
    return r;
}

int64_t rb_max_iterations(rb_state *st)
{
    return st->s->max_iterations;
}

int rb_thread_index(rb_state *st)
{
    return st->s->thread_index();
}

int rb_thread_count(rb_state *st)
{
    return st->s->threads();
}

void rb_set_iteration_time(rb_state *st, double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0.0) {
        fail(st, "%s: rb_set_iteration_time(%g), accepted: finite seconds >= 0",
             st->b->name.c_str(), seconds);
        return;
    }
    st->s->SetIterationTime(seconds);
}

int rb_counter_set(rb_state *st, const char *name, double value, unsigned flags)
{
    if (name == nullptr || name[0] == '\0') {
        say("rb_counter_set: %s: counter name is %s, accepted: a non-empty string",
            st->b->name.c_str(), name == nullptr ? "NULL" : "empty");
        return -1;
    }
    if ((flags & ~RB_COUNTER_ALL_FLAGS) != 0) {
        say("rb_counter_set: %s: counter %s: flags=0x%x, accepted: RB_COUNTER_* (mask 0x%x)",
            st->b->name.c_str(), name, flags, RB_COUNTER_ALL_FLAGS);
        return -1;
    }
    if (!std::isfinite(value)) {
        say("rb_counter_set: %s: counter %s: value=%g, accepted: a finite number",
            st->b->name.c_str(), name, value);
        return -1;
    }
    int f = benchmark::Counter::kDefaults;
    if (flags & RB_COUNTER_IS_RATE)
        f |= benchmark::Counter::kIsRate;
    if (flags & RB_COUNTER_AVG_THREADS)
        f |= benchmark::Counter::kAvgThreads;
    if (flags & RB_COUNTER_ITERATION_INVARIANT)
        f |= benchmark::Counter::kIsIterationInvariant;
    if (flags & RB_COUNTER_AVG_ITERATIONS)
        f |= benchmark::Counter::kAvgIterations;
    if (flags & RB_COUNTER_INVERT)
        f |= benchmark::Counter::kInvert;
    benchmark::Counter::OneK k = (flags & RB_COUNTER_ONEK_1024) ? benchmark::Counter::kIs1024
                                                                : benchmark::Counter::kIs1000;
    try {
        st->s->counters[name] =
            benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f), k);
        return 0;
    } catch (const std::exception &e) {
        say("rb_counter_set: %s: counter %s: %s", st->b->name.c_str(), name, e.what());
    } catch (...) {
        say("rb_counter_set: %s: counter %s: unknown exception", st->b->name.c_str(), name);
    }
    return -1;
}

void rb_skip_with_error(rb_state *st, const char *msg)
{
    fail(st, "%s", msg == nullptr ? "(no message)" : msg);
}

bool rb_error_occurred(rb_state *st)
{
    return st->s->error_occurred();
}

// The library prints usage and exits 0 for an unknown format; refuse it here instead.
static bool format_ok(const char *v)
{
    return strcmp(v, "console") == 0 || strcmp(v, "json") == 0 || strcmp(v, "csv") == 0;
}

static int check_formats(int argc, char **argv)
{
    static const struct {
        const char *flag;
        const char *env;
    } fl[] = {{"--benchmark_format=", "BENCHMARK_FORMAT"},
              {"--benchmark_out_format=", "BENCHMARK_OUT_FORMAT"}};
    for (const auto &f : fl) {
        const char *e = getenv(f.env);
        if (e != nullptr && !format_ok(e)) {
            say("environment %s='%s', accepted: console, json, csv", f.env, e);
            return -1;
        }
        size_t len = strlen(f.flag);
        for (int i = 1; i < argc; i++) {
            if (argv[i] != nullptr && strncmp(argv[i], f.flag, len) == 0 &&
                !format_ok(argv[i] + len)) {
                say("%s'%s', accepted: console, json, csv", f.flag, argv[i] + len);
                return -1;
            }
        }
    }
    return 0;
}

static int initialize(int *argc, char **argv, void (*help)(void))
{
    if (argc == nullptr || argv == nullptr || *argc < 0) {
        say("rb_initialize: argc/argv missing, accepted: main's argc and argv");
        return -1;
    }
    if (check_formats(*argc, argv) != 0)
        return -1;
    try {
        if (help != nullptr)
            benchmark::Initialize(argc, argv, help);
        else
            benchmark::Initialize(argc, argv);
        return 0;
    } catch (const std::exception &e) {
        say("rb_initialize: %s", e.what());
    } catch (...) {
        say("rb_initialize: unknown exception");
    }
    return -1;
}

int rb_initialize_with_help(int *argc, char **argv, void (*help)(void))
{
    return initialize(argc, argv, help);
}

int rb_add_context(const char *key, const char *value)
{
    if (g_shut_down) {
        say("rb_add_context: called after rb_shutdown");
        return -1;
    }
    if (key == nullptr || key[0] == '\0' || value == nullptr) {
        say("rb_add_context: key %s / value %s, accepted: a non-empty key and a value",
            key == nullptr ? "NULL" : key[0] == '\0' ? "empty" : key,
            value == nullptr ? "NULL" : "given");
        return -1;
    }
    try {
        if (!context_keys().insert(key).second) {
            say("rb_add_context: key '%s' already added, accepted: a new key", key);
            return -1;
        }
        benchmark::AddCustomContext(key, value);
        return 0;
    } catch (const std::exception &e) {
        say("rb_add_context: %s: %s", key, e.what());
    } catch (...) {
        say("rb_add_context: %s: unknown exception", key);
    }
    return -1;
}

size_t rb_run_specified(void)
{
    if (g_shut_down) {
        say("rb_run_specified: called after rb_shutdown");
        return 0;
    }
    try {
        return benchmark::RunSpecifiedBenchmarks();
    } catch (const std::exception &e) {
        say("rb_run_specified: %s", e.what());
    } catch (...) {
        say("rb_run_specified: unknown exception");
    }
    return 0;
}

void rb_shutdown(void)
{
    // 1.7.1's Shutdown() deletes the context map without clearing the pointer: a second
    // call would free it twice.
    if (g_shut_down)
        return;
    g_shut_down = true;
    try {
        benchmark::Shutdown();
    } catch (...) {
        say("rb_shutdown: unknown exception");
    }
}

} // extern "C"
