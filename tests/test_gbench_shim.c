/*
 * Tests of the C interface to Google Benchmark (bench/core/gbench.h).
 * (Over 600 lines: one group, whose setup runs every benchmark once and
 * whose tests read the one JSON file it wrote.)
 *
 * The group setup registers C benchmarks, runs them through rb_initialize_with_help() with a built
 * argv (--benchmark_filter, --benchmark_out=FILE, --benchmark_out_format=json,
 * --benchmark_min_time) and parses the JSON file; the tests then check names, threads,
 * iterations, counters and errors.  Most benchmarks use a fixed iteration count
 * and manual time, so the expected numbers are exact and follow from the facts written
 * in gbench.h (F1-F9); one uses --benchmark_min_time to check batch rounding.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gbench.h"

/* ---- a minimal JSON reader (enough for Google Benchmark's output) -------------------- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jt t;
    double n;           /* J_NUM, J_BOOL (0/1) */
    char *s;            /* J_STR */
    size_t len;         /* J_ARR, J_OBJ: number of items */
    struct jv **items;  /* J_ARR, J_OBJ */
    char **keys;        /* J_OBJ */
};

static void jfree(struct jv *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->len; i++) {
        jfree(v->items[i]);
        if (v->keys != NULL)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->s);
    free(v);
}

static void jskip(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
        (*p)++;
}

static char *jstring(const char **p)
{
    if (**p != '"')
        return NULL;
    (*p)++;
    size_t cap = 16, n = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    while (**p != '"') {
        char c = **p;
        if (c == '\0') {
            free(out);
            return NULL;
        }
        if (c == '\\') {
            (*p)++;
            switch (**p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': /* not produced for our ASCII names; keep a marker */
                if (strlen(*p) < 5) {
                    free(out);
                    return NULL;
                }
                *p += 4;
                c = '?';
                break;
            case '\0': free(out); return NULL;
            default: c = **p; break; /* \" \\ \/ */
            }
        }
        if (n + 2 > cap) {
            char *t = realloc(out, cap *= 2);
            if (t == NULL) {
                free(out);
                return NULL;
            }
            out = t;
        }
        out[n++] = c;
        (*p)++;
    }
    (*p)++;
    out[n] = '\0';
    return out;
}

static bool jpush(struct jv *v, struct jv *item, char *key)
{
    struct jv **it = realloc(v->items, (v->len + 1) * sizeof *it);
    if (it == NULL)
        return false;
    v->items = it;
    if (v->t == J_OBJ) {
        char **k = realloc(v->keys, (v->len + 1) * sizeof *k);
        if (k == NULL)
            return false;
        v->keys = k;
        v->keys[v->len] = key;
    }
    v->items[v->len++] = item;
    return true;
}

static struct jv *jparse(const char **p, int depth)
{
    if (depth > 64)
        return NULL;
    jskip(p);
    struct jv *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    char c = **p;
    if (c == '{' || c == '[') {
        v->t = c == '{' ? J_OBJ : J_ARR;
        char close = c == '{' ? '}' : ']';
        (*p)++;
        jskip(p);
        if (**p == close) {
            (*p)++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            if (v->t == J_OBJ) {
                jskip(p);
                key = jstring(p);
                jskip(p);
                if (key == NULL || **p != ':') {
                    free(key);
                    goto bad;
                }
                (*p)++;
            }
            struct jv *item = jparse(p, depth + 1);
            if (item == NULL || !jpush(v, item, key)) {
                free(key);
                jfree(item);
                goto bad;
            }
            jskip(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (**p == close) {
                (*p)++;
                return v;
            }
            goto bad;
        }
    } else if (c == '"') {
        v->t = J_STR;
        v->s = jstring(p);
        if (v->s == NULL)
            goto bad;
        return v;
    } else if (strncmp(*p, "true", 4) == 0 || strncmp(*p, "false", 5) == 0) {
        v->t = J_BOOL;
        v->n = **p == 't';
        *p += **p == 't' ? 4 : 5;
        return v;
    } else if (strncmp(*p, "null", 4) == 0) {
        v->t = J_NULL;
        *p += 4;
        return v;
    } else {
        char *end;
        v->t = J_NUM;
        v->n = strtod(*p, &end);
        if (end == *p)
            goto bad;
        *p = end;
        return v;
    }
bad:
    jfree(v);
    return NULL;
}

static const struct jv *jget(const struct jv *o, const char *key)
{
    if (o == NULL || o->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->len; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->items[i];
    return NULL;
}

/* ---- benchmarks under test ------------------------------------------------------------ */

/* The operation: one increment the compiler must keep per iteration (the empty asm says
 * the counter's memory is read and written), inline, no call. */
static inline void op_inc(uint64_t *c)
{
    (*c)++;
    __asm__ volatile("" : "+m"(*c));
}

static int g_filtered_ran;          /* set if the filter failed to exclude a benchmark */
static int g_window_protocol_ok;    /* threads that saw true, false, false */
static int g_bad_counter_rejected;  /* rb_counter_set calls that returned -1 as expected */
static uint64_t g_window_ops[2];    /* per-thread ops, published before the 2nd call */

static void bm_single(rb_state *st, void *arg)
{
    uint64_t c = 0;
    while (rb_keep_running_batch(st, 1))
        op_inc(&c);
    rb_counter_set(st, "plain", 42.0, RB_COUNTER_DEFAULT);
    rb_counter_set(st, "loops", (double)c, RB_COUNTER_DEFAULT);
    rb_counter_set(st, "arg_ptr_ok", arg == (void *)&g_filtered_ran ? 1.0 : 0.0,
                   RB_COUNTER_DEFAULT);
}

/* The same-window pattern of the lab's harness: one batch of max_iterations. */
static void bm_window(rb_state *st, void *arg)
{
    (void)arg;
    int idx = rb_thread_index(st);
    int64_t n = rb_max_iterations(st);
    uint64_t c = 0;
    bool first = rb_keep_running_batch(st, n);
    if (first)
        for (int64_t i = 0; i < n; i++)
            op_inc(&c);
    __atomic_store_n(&g_window_ops[idx & 1], c, __ATOMIC_RELAXED);
    bool second = rb_keep_running_batch(st, n);
    bool third = rb_keep_running_batch(st, n);
    if (first && !second && !third)
        __atomic_add_fetch(&g_window_protocol_ok, 1, __ATOMIC_RELAXED);
    rb_set_iteration_time(st, 0.002);
    rb_counter_set(st, "sum", 5.0, RB_COUNTER_DEFAULT);
    if (idx == 0) {
        rb_counter_set(st, "t0", 7.0, RB_COUNTER_DEFAULT);
        /* after the finish barrier every thread's ops are visible (F2) */
        rb_counter_set(st, "cross",
                       (double)(__atomic_load_n(&g_window_ops[0], __ATOMIC_RELAXED) +
                                __atomic_load_n(&g_window_ops[1], __ATOMIC_RELAXED)),
                       RB_COUNTER_DEFAULT);
    }
    rb_counter_set(st, "avg", (double)(idx + 1), RB_COUNTER_AVG_THREADS);
    rb_counter_set(st, "rate", 1000.0, RB_COUNTER_IS_RATE);
    rb_counter_set(st, "trate", 1000.0, RB_COUNTER_THREAD_AVG_RATE);
    rb_counter_set(st, "inv", 4.0, RB_COUNTER_INVERT);
    rb_counter_set(st, "periter", (double)n, RB_COUNTER_AVG_ITERATIONS);
    rb_counter_set(st, "invariant", 3.0, RB_COUNTER_ITERATION_INVARIANT);
    rb_counter_set(st, "ops", (double)c, RB_COUNTER_DEFAULT);
    rb_counter_set(st, "threads_seen", (double)rb_thread_count(st), RB_COUNTER_DEFAULT);
    rb_counter_set(st, "idx_sum", (double)idx, RB_COUNTER_DEFAULT);
}

#define SMALL_BATCH 4
static void bm_batch(rb_state *st, void *arg)
{
    (void)arg;
    uint64_t c = 0;
    while (rb_keep_running_batch(st, SMALL_BATCH))
        for (int i = 0; i < SMALL_BATCH; i++)
            op_inc(&c);
    rb_counter_set(st, "loops", (double)c, RB_COUNTER_DEFAULT);
}

/* Also the function whose machine code is inspected: the inner loop must hold no call. */
#define AUTO_BATCH 1000
void bm_batch_auto(rb_state *st, void *arg);
void bm_batch_auto(rb_state *st, void *arg)
{
    (void)arg;
    uint64_t c = 0;
    while (rb_keep_running_batch(st, AUTO_BATCH))
        for (int i = 0; i < AUTO_BATCH; i++)
            op_inc(&c);
    rb_counter_set(st, "ops", (double)c, RB_COUNTER_DEFAULT);
}

static void bm_error(rb_state *st, void *arg)
{
    (void)arg;
    rb_skip_with_error(st, "deliberate error");
    rb_skip_with_error(st, "second message is ignored");
    while (rb_keep_running_batch(st, 1)) {
    }
    rb_counter_set(st, "never", 1.0, RB_COUNTER_DEFAULT);
}

/* Thread 1 leaves without running the loop; the shim must end the run as an error
 * instead of hanging on the barrier or aborting. */
static void bm_early_return(rb_state *st, void *arg)
{
    (void)arg;
    if (rb_thread_index(st) == 1)
        return;
    while (rb_keep_running_batch(st, 1)) {
    }
}

static void bm_bad_counter(rb_state *st, void *arg)
{
    (void)arg;
    while (rb_keep_running_batch(st, 1)) {
    }
    if (rb_counter_set(st, "badflags", 1.0, 1u << 12) == -1)
        __atomic_add_fetch(&g_bad_counter_rejected, 1, __ATOMIC_RELAXED);
    if (rb_counter_set(st, "nan", NAN, RB_COUNTER_DEFAULT) == -1)
        __atomic_add_fetch(&g_bad_counter_rejected, 1, __ATOMIC_RELAXED);
    if (rb_counter_set(st, "", 1.0, RB_COUNTER_DEFAULT) == -1)
        __atomic_add_fetch(&g_bad_counter_rejected, 1, __ATOMIC_RELAXED);
    rb_counter_set(st, "good", 2.5, RB_COUNTER_DEFAULT);
}

/* Manual time given once per iteration: the times add up (F5). */
static void bm_unit(rb_state *st, void *arg)
{
    (void)arg;
    while (rb_keep_running_batch(st, 1))
        rb_set_iteration_time(st, 0.001);
}

static void bm_filtered(rb_state *st, void *arg)
{
    (void)arg;
    __atomic_store_n(&g_filtered_ran, 1, __ATOMIC_RELAXED);
    while (rb_keep_running_batch(st, 1)) {
    }
}

/* ---- the run ---------------------------------------------------------------------------- */

#define N_SHIM_INSTANCES 8

static struct jv *g_root;
static char g_out_path[4096];
static size_t g_run_count;
static int g_argc_after;
static char g_argv1_after[64];
static int g_context_rc, g_context_dup_rc;

static int must(int rc, const char *what)
{
    if (rc != 0)
        fprintf(stderr, "setup: %s failed\n", what);
    return rc;
}

static int register_all(void)
{
    rb_bench *b;
    int bad = 0;

    b = rb_register("shim/single", bm_single, &g_filtered_ran);
    bad |= b == NULL || must(rb_bench_iterations(b, 100), "it");

    b = rb_register("shim/window", bm_window, NULL);
    bad |= b == NULL || must(rb_bench_threads(b, 2), "threads") ||
           must(rb_bench_iterations(b, 500), "it") || must(rb_bench_use_manual_time(b), "mt");

    b = rb_register("shim/batch", bm_batch, NULL);
    bad |= b == NULL || must(rb_bench_iterations(b, 10), "it");

    b = rb_register("shim/batch_auto", bm_batch_auto, NULL);
    bad |= b == NULL || must(rb_bench_threads(b, 2), "threads");

    b = rb_register("shim/error", bm_error, NULL);
    bad |= b == NULL;

    b = rb_register("shim/early_return", bm_early_return, NULL);
    bad |= b == NULL || must(rb_bench_threads(b, 2), "threads") ||
           must(rb_bench_iterations(b, 10), "it");

    b = rb_register("shim/bad_counter", bm_bad_counter, NULL);
    bad |= b == NULL || must(rb_bench_iterations(b, 3), "it");

    b = rb_register("shim/unit", bm_unit, NULL);
    bad |= b == NULL || must(rb_bench_iterations(b, 4), "it") ||
           must(rb_bench_use_manual_time(b), "mt");

    b = rb_register("other/filtered", bm_filtered, NULL);
    bad |= b == NULL || must(rb_bench_iterations(b, 1), "it");
    return bad ? -1 : 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap)
            break;
        char *t = realloc(buf, cap *= 2);
        if (t == NULL) {
            free(buf);
            buf = NULL;
        } else {
            buf = t;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    return buf;
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = P_tmpdir;
    snprintf(g_out_path, sizeof g_out_path, "%s/test_gbench_shim.XXXXXX", tmp);
    int fd = mkstemp(g_out_path);
    if (fd < 0) {
        perror("mkstemp");
        return -1;
    }
    close(fd);

    if (register_all() != 0)
        return -1;

    char out_flag[4200];
    snprintf(out_flag, sizeof out_flag, "--benchmark_out=%s", g_out_path);
    char *argv[] = {"test_gbench_shim",        "--benchmark_filter=^shim/",
                    out_flag,                  "--lab_flag=1",
                    "--benchmark_out_format=json", "--benchmark_min_time=0.01",
                    NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    if (rb_initialize_with_help(&argc, argv, NULL) != 0)
        return -1;
    g_argc_after = argc;
    snprintf(g_argv1_after, sizeof g_argv1_after, "%s", argc > 1 ? argv[1] : "");
    g_context_rc = rb_add_context("refbench_shim_test", "yes");
    g_context_dup_rc = rb_add_context("refbench_shim_test", "again");

    g_run_count = rb_run_specified();

    char *text = slurp(g_out_path);
    if (text == NULL) {
        fprintf(stderr, "setup: cannot read the JSON output\n");
        return -1;
    }
    const char *p = text;
    g_root = jparse(&p, 0);
    free(text);
    if (g_root == NULL) {
        fprintf(stderr, "setup: the JSON output does not parse\n");
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    jfree(g_root);
    g_root = NULL;
    if (g_out_path[0] != '\0')
        unlink(g_out_path);
    rb_shutdown();
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const struct jv *bench(const char *name)
{
    const struct jv *list = jget(g_root, "benchmarks");
    if (list == NULL || list->t != J_ARR)
        return NULL;
    for (size_t i = 0; i < list->len; i++) {
        const struct jv *n = jget(list->items[i], "name");
        if (n != NULL && n->t == J_STR && strcmp(n->s, name) == 0)
            return list->items[i];
    }
    return NULL;
}

static double num(const struct jv *o, const char *key)
{
    const struct jv *v = jget(o, key);
    if (v == NULL || v->t != J_NUM) {
        fail_msg("field %s missing or not a number", key);
        return NAN;
    }
    return v->n;
}

static const char *str(const struct jv *o, const char *key)
{
    const struct jv *v = jget(o, key);
    if (v == NULL || v->t != J_STR) {
        fail_msg("field %s missing or not a string", key);
        return "";
    }
    return v->s;
}

static bool is_error(const struct jv *o)
{
    const struct jv *v = jget(o, "error_occurred");
    return v != NULL && v->t == J_BOOL && v->n != 0;
}

#define assert_near(actual, expected)                                                    \
    do {                                                                                 \
        double a_ = (actual), e_ = (expected);                                           \
        if (!(fabs(a_ - e_) <= 1e-9 * fabs(e_) + 1e-12))                                 \
            fail_msg("%s = %.17g, expected %.17g", #actual, a_, e_);                     \
    } while (0)

/* ---- tests ------------------------------------------------------------------------------ */

static void test_flags_and_context(void **state)
{
    (void)state;
    /* Initialize removed its own flags and kept ours, in order. */
    assert_int_equal(g_argc_after, 2);
    assert_string_equal(g_argv1_after, "--lab_flag=1");
    assert_int_equal(g_context_rc, 0);
    assert_int_equal(g_context_dup_rc, -1);
    const struct jv *ctx = jget(g_root, "context");
    assert_non_null(ctx);
    assert_string_equal(str(ctx, "refbench_shim_test"), "yes");
}

static void test_filter_and_count(void **state)
{
    (void)state;
    assert_int_equal(g_run_count, N_SHIM_INSTANCES);
    assert_int_equal(__atomic_load_n(&g_filtered_ran, __ATOMIC_RELAXED), 0);
    const struct jv *list = jget(g_root, "benchmarks");
    assert_non_null(list);
    for (size_t i = 0; i < list->len; i++)
        assert_true(strncmp(str(list->items[i], "name"), "shim/", 5) == 0);
}

static void test_single_thread(void **state)
{
    (void)state;
    const struct jv *b = bench("shim/single/iterations:100");
    assert_non_null(b);
    assert_false(is_error(b));
    assert_string_equal(str(b, "run_type"), "iteration");
    assert_near(num(b, "threads"), 1);
    assert_near(num(b, "iterations"), 100);
    assert_near(num(b, "plain"), 42);
    assert_near(num(b, "loops"), 100);
    assert_near(num(b, "arg_ptr_ok"), 1);
    assert_string_equal(str(b, "time_unit"), "ns");
}

static void test_same_window_two_threads(void **state)
{
    (void)state;
    const struct jv *b = bench("shim/window/iterations:500/manual_time/threads:2");
    assert_non_null(b);
    assert_false(is_error(b));
    /* F2: true once, then false, then (shim) false again, on both threads */
    assert_int_equal(__atomic_load_n(&g_window_protocol_ok, __ATOMIC_RELAXED), 2);
    assert_near(num(b, "threads"), 2);
    assert_near(num(b, "iterations"), 1000);  /* summed over threads (F3) */
    assert_near(num(b, "ops"), 1000);
    /* F4/F5: manual time averaged over threads, divided by the total iterations */
    assert_near(num(b, "real_time"), 0.002 * 1e9 / 1000);
    assert_near(num(b, "sum"), 10);            /* summed */
    assert_near(num(b, "t0"), 7);              /* thread 0 only: not multiplied */
    assert_near(num(b, "cross"), 1000);        /* visible after the finish barrier */
    assert_near(num(b, "avg"), (1 + 2) / 2.0); /* kAvgThreads */
    assert_near(num(b, "rate"), 2000 / 0.002); /* kIsRate over the averaged manual time */
    assert_near(num(b, "trate"), 2000 / 0.002 / 2);
    assert_near(num(b, "inv"), 1.0 / 8);       /* inverted after summing */
    assert_near(num(b, "periter"), 1);         /* (500 + 500) / 1000 */
    assert_near(num(b, "invariant"), 6 * 1000.0);
    assert_near(num(b, "threads_seen"), 4);
    assert_near(num(b, "idx_sum"), 1);
}

static void test_batch_overshoot(void **state)
{
    (void)state;
    const struct jv *b = bench("shim/batch/iterations:10");
    assert_non_null(b);
    assert_false(is_error(b));
    /* F1: 10 iterations asked, batches of 4 -> 12 run and reported */
    assert_near(num(b, "iterations"), 12);
    assert_near(num(b, "loops"), 12);
}

static void test_batch_with_min_time(void **state)
{
    (void)state;
    const struct jv *b = bench("shim/batch_auto/threads:2");
    assert_non_null(b);
    assert_false(is_error(b));
    double it = num(b, "iterations");
    assert_true(it >= 2 * AUTO_BATCH);
    /* both threads run the same whole number of batches */
    assert_near(fmod(it, 2 * AUTO_BATCH), 0);
    assert_near(num(b, "ops"), it);
    assert_true(num(b, "real_time") > 0);
}

static void test_errors(void **state)
{
    (void)state;
    const struct jv *b = bench("shim/error");
    assert_non_null(b);
    assert_true(is_error(b));
    assert_string_equal(str(b, "error_message"), "deliberate error");
    assert_null(jget(b, "never"));

    b = bench("shim/early_return/iterations:10/threads:2");
    assert_non_null(b);
    assert_true(is_error(b));
    assert_non_null(strstr(str(b, "error_message"), "returned before"));

}

static void test_counter_rejections(void **state)
{
    (void)state;
    const struct jv *b = bench("shim/bad_counter/iterations:3");
    assert_non_null(b);
    assert_false(is_error(b));
    assert_int_equal(__atomic_load_n(&g_bad_counter_rejected, __ATOMIC_RELAXED), 3);
    assert_null(jget(b, "badflags"));
    assert_null(jget(b, "nan"));
    assert_near(num(b, "good"), 2.5);
}

static void test_time_unit_and_manual_time_sum(void **state)
{
    (void)state;
    const struct jv *b = bench("shim/unit/iterations:4/manual_time");
    assert_non_null(b);
    assert_false(is_error(b));
    assert_string_equal(str(b, "time_unit"), "ns");
    /* 4 calls of 0.001 s add to 0.004 s over 4 iterations: 1e6 ns each */
    assert_near(num(b, "real_time"), 1e6);
}

static void bm_never(rb_state *st, void *arg)
{
    (void)arg;
    while (rb_keep_running_batch(st, 1)) {
    }
}

static void test_setters_refuse_bad_values(void **state)
{
    (void)state;
    /* registered after the run: never run */
    assert_null(rb_register(NULL, bm_never, NULL));
    assert_null(rb_register("", bm_never, NULL));
    assert_null(rb_register("unused/x", NULL, NULL));
    rb_bench *b = rb_register("unused/setters", bm_never, NULL);
    assert_non_null(b);
    assert_int_equal(rb_bench_threads(b, 0), -1);
    assert_int_equal(rb_bench_threads(NULL, 1), -1);
    assert_int_equal(rb_bench_iterations(b, 0), -1);
    assert_int_equal(rb_bench_iterations(b, 10), 0);
    assert_int_equal(rb_bench_use_manual_time(b), 0);
    assert_int_equal(rb_bench_threads(b, 3), 0);
}

static void test_initialize_refuses_bad_format(void **state)
{
    (void)state;
    char *argv[] = {"x", "--benchmark_format=xml", NULL};
    int argc = 2;
    assert_int_equal(rb_initialize_with_help(&argc, argv, NULL), -1);
    assert_int_equal(argc, 2); /* untouched */
    char *argv2[] = {"x", "--benchmark_out_format=yaml", NULL};
    argc = 2;
    assert_int_equal(rb_initialize_with_help(&argc, argv2, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags_and_context),
        cmocka_unit_test(test_filter_and_count),
        cmocka_unit_test(test_single_thread),
        cmocka_unit_test(test_same_window_two_threads),
        cmocka_unit_test(test_batch_overshoot),
        cmocka_unit_test(test_batch_with_min_time),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_counter_rejections),
        cmocka_unit_test(test_time_unit_and_manual_time_sum),
        cmocka_unit_test(test_setters_refuse_bad_values),
        cmocka_unit_test(test_initialize_refuses_bad_format),
    };
    return cmocka_run_group_tests_name("gbench_shim", tests, group_setup, group_teardown);
}
