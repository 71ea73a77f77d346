/*
 * Tests for bench/counters.[ch]: spec parsing, probing on this machine, a software-event
 * group around a known number of page faults, and the read-buffer arithmetic.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "counters.h"

static int index_of(const struct counters_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n; i++)
		if (strcmp(cfg->ev[i].name, name) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------------ parse */

static void test_parse_all(void **state)
{
	struct counters_config cfg;
	char err[512] = "";
	(void)state;

	assert_int_equal(counters_parse("all", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n, 10);
	for (int i = 0; i < cfg.n; i++)
		assert_false(cfg.ev[i].explicit_request);
	assert_true(index_of(&cfg, "cycles") >= 0);
	assert_true(index_of(&cfg, "node_load_misses") >= 0);
	assert_true(index_of(&cfg, "cpu_migrations") >= 0);

	/* NULL means the default, "all" */
	assert_int_equal(counters_parse(NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n, 10);
}

static void test_parse_none(void **state)
{
	struct counters_config cfg;
	char err[512] = "";
	(void)state;

	assert_int_equal(counters_parse("none", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n, 0);
}

static void test_parse_list(void **state)
{
	struct counters_config cfg;
	char err[512] = "";
	(void)state;

	assert_int_equal(counters_parse("instructions,page_faults", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n, 2);
	assert_string_equal(cfg.ev[0].name, "instructions");
	assert_string_equal(cfg.ev[1].name, "page_faults");
	assert_true(cfg.ev[0].explicit_request);
	assert_int_equal(cfg.ev[0].kind, COUNTERS_KIND_HARDWARE);
	assert_int_equal(cfg.ev[1].kind, COUNTERS_KIND_SOFTWARE);

	/* "all" plus a named one: the named one is explicit, the rest are not */
	assert_int_equal(counters_parse("all,cycles", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n, 10);
	assert_true(cfg.ev[index_of(&cfg, "cycles")].explicit_request);
	assert_false(cfg.ev[index_of(&cfg, "instructions")].explicit_request);
}

static void expect_parse_error(const char *spec, const char *must_contain)
{
	struct counters_config cfg;
	char err[512] = "";

	assert_int_equal(counters_parse(spec, &cfg, err, sizeof(err)), -1);
	assert_int_equal(cfg.n, 0);
	if (!strstr(err, must_contain))
		fail_msg("spec '%s': error '%s' lacks '%s'", spec, err, must_contain);
	assert_null(strchr(err, '\n'));
}

static void test_parse_unknown(void **state)
{
	(void)state;
	expect_parse_error("cycles,bogus_event", "'bogus_event'");
	/* the message lists what is accepted */
	expect_parse_error("bogus_event", "page_faults");
	expect_parse_error("bogus_event", "raw:0x");
	expect_parse_error("cycles,,instructions", "empty item");
	expect_parse_error("", "empty item");
	expect_parse_error("none,cycles", "'none'");
	expect_parse_error("cycles,cycles", "twice");
	expect_parse_error("Cycles", "'Cycles'");
}

static void test_parse_raw(void **state)
{
	struct counters_config cfg;
	char err[512] = "";
	(void)state;

	assert_int_equal(counters_parse("raw:0x01b7=remote_dram,cycles", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n, 2);
	assert_string_equal(cfg.ev[0].name, "remote_dram");
	assert_int_equal(cfg.ev[0].kind, COUNTERS_KIND_RAW);
	assert_int_equal(cfg.ev[0].config, 0x1b7);
	assert_true(cfg.ev[0].explicit_request);

	assert_int_equal(counters_parse("all,raw:0xffffffffffffffff=r1", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n, 11);
	assert_true(cfg.ev[10].config == UINT64_MAX);

	expect_parse_error("raw:1b7=x", "raw:1b7=x");
	expect_parse_error("raw:0x=x", "expected raw:0xHEX=name");
	expect_parse_error("raw:0x1g=x", "raw:0x1g=x");
	expect_parse_error("raw:0x1=", "raw:0x1=");
	expect_parse_error("raw:0x1", "raw:0x1");
	expect_parse_error("raw:0x1=Remote", "raw:0x1=Remote");
	expect_parse_error("raw:0x11111111111111111=r", "hex digits");
	expect_parse_error("raw:0x1=cycles", "taken");
	expect_parse_error("raw:0x1=r,raw:0x2=r", "twice");
}

/* ------------------------------------------------------------------ probe */

static void test_probe(void **state)
{
	struct counters_config cfg;
	char err[512] = "";
	char *json = NULL, *console = NULL;
	size_t jlen = 0, clen = 0;
	FILE *f;
	int unsupported = 0;
	(void)state;

	assert_int_equal(counters_parse("all", &cfg, err, sizeof(err)), 0);
	counters_probe(&cfg);
	assert_true(cfg.probed);

	for (int i = 0; i < cfg.n; i++) {
		const struct counters_event *e = &cfg.ev[i];
		assert_int_not_equal(e->status, COUNTERS_UNPROBED);
		if (e->status == COUNTERS_UNSUPPORTED) {
			unsupported++;
			assert_true(strlen(e->reason) > 0);
		} else {
			assert_string_equal(e->reason, "");
		}
	}
	/* software page faults of the own thread, user side only, are allowed at every
	 * paranoid level up to 2 */
	int pf = index_of(&cfg, "page_faults");
	if (cfg.paranoid <= 2)
		assert_int_equal(cfg.ev[pf].status, COUNTERS_SUPPORTED);
	else
		assert_non_null(strstr(cfg.ev[pf].reason, "perf_event_paranoid="));

	/* with "all", unsupported events are reported, not fatal */
	assert_int_equal(counters_missing_explicit(&cfg), 0);
	assert_int_equal(counters_supported_count(&cfg), cfg.n - unsupported);

	/* no hardware PMU: the reason says so */
	if (access("/sys/bus/event_source/devices/cpu", F_OK) != 0 &&
	    access("/sys/bus/event_source/devices/cpu_core", F_OK) != 0) {
		int cy = index_of(&cfg, "cycles");
		if (cfg.ev[cy].status == COUNTERS_UNSUPPORTED && !strstr(cfg.ev[cy].reason, "paranoid"))
			assert_string_equal(cfg.ev[cy].reason, "no hardware PMU (virtual machine?)");
	}

	f = open_memstream(&console, &clen);
	counters_print_console(f, &cfg);
	fclose(f);
	int lines = 0;
	for (size_t k = 0; k < clen; k++)
		lines += console[k] == '\n';
	assert_int_equal(lines, unsupported);

	f = open_memstream(&json, &jlen);
	counters_write_json(f, &cfg);
	fclose(f);
	assert_non_null(strstr(json, "\"page_faults\": {"));
	assert_non_null(strstr(json, "\"method\": \"software-event\""));
	assert_non_null(strstr(json, "\"method\": \"hardware-counter\""));
	if (unsupported)
		assert_non_null(strstr(json, "\"supported\": false, \"reason\": \""));
	free(json);
	free(console);

	/* an explicitly named event that cannot be counted is flagged for a non-zero exit */
	assert_int_equal(counters_parse("cycles,page_faults", &cfg, err, sizeof(err)), 0);
	counters_probe(&cfg);
	assert_int_equal(counters_missing_explicit(&cfg),
			 cfg.ev[0].status == COUNTERS_UNSUPPORTED ? 1 : 0);
}

/* ------------------------------------------------------------------ thread group */

static void test_page_faults_window(void **state)
{
	enum { NPAGES = 64 };
	struct counters_config cfg;
	struct counters_thread ct;
	struct counters_values vals, again;
	char err[512] = "";
	long page = sysconf(_SC_PAGESIZE);
	(void)state;

	assert_int_equal(counters_parse("page_faults,context_switches,cpu_migrations", &cfg, err,
					sizeof(err)),
			 0);
	counters_probe(&cfg);
	int pf = index_of(&cfg, "page_faults");
	if (cfg.ev[pf].status != COUNTERS_SUPPORTED) {
		fprintf(stderr, "skipped: this machine cannot count page_faults "
			"(perf_event_open refused the software event)\n");
		skip();
	}

	if (counters_thread_open(&ct, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_false(ct.split);

	char *p = mmap(NULL, (size_t)page * NPAGES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	madvise(p, (size_t)page * NPAGES, MADV_NOHUGEPAGE);

	counters_thread_start(&ct);
	for (int i = 0; i < NPAGES; i++)
		((volatile char *)p)[(size_t)i * (size_t)page] = 1;
	counters_thread_stop(&ct);

	assert_int_equal(counters_thread_read(&ct, &vals), 0);
	assert_int_equal(vals.n, cfg.n);
	const struct counters_value *v = &vals.v[pf];
	assert_true(v->present);
	assert_true(v->raw >= NPAGES);
	assert_true(v->time_enabled > 0);
	assert_true(v->time_running == v->time_enabled);
	assert_false(v->multiplexed);
	assert_true(v->scaled == (double)v->raw);
	assert_true(counters_values_min_scaling(&vals) == 1.0);

	/* events the probe rejected are absent, never a zero */
	for (int i = 0; i < cfg.n; i++)
		if (cfg.ev[i].status == COUNTERS_UNSUPPORTED)
			assert_false(vals.v[i].present);

	/* faults after the window are not counted */
	char *q = mmap(NULL, (size_t)page * NPAGES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(q != MAP_FAILED);
	for (int i = 0; i < NPAGES; i++)
		((volatile char *)q)[(size_t)i * (size_t)page] = 1;
	assert_int_equal(counters_thread_read(&ct, &again), 0);
	assert_true(again.v[pf].raw == v->raw);

	/* start resets */
	counters_thread_start(&ct);
	counters_thread_stop(&ct);
	assert_int_equal(counters_thread_read(&ct, &again), 0);
	assert_true(again.v[pf].raw < NPAGES);

	counters_thread_close(&ct);
	for (int i = 0; i < COUNTERS_MAX_EVENTS; i++)
		assert_int_equal(ct.fd[i], -1);
	munmap(p, (size_t)page * NPAGES);
	munmap(q, (size_t)page * NPAGES);
}

/* hardware events the machine lacks are left out of the thread's groups */
static void test_open_all(void **state)
{
	struct counters_config cfg;
	struct counters_thread ct;
	struct counters_values vals;
	char err[512] = "";
	(void)state;

	assert_int_equal(counters_parse("all", &cfg, err, sizeof(err)), 0);
	counters_probe(&cfg);
	if (counters_thread_open(&ct, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	counters_thread_start(&ct);
	counters_thread_stop(&ct);
	assert_int_equal(counters_thread_read(&ct, &vals), 0);
	for (int i = 0; i < cfg.n; i++) {
		if (cfg.ev[i].status == COUNTERS_UNSUPPORTED) {
			assert_int_equal(ct.fd[i], -1);
			assert_false(vals.v[i].present);
		} else {
			assert_true(ct.fd[i] >= 0);
		}
	}
	counters_thread_close(&ct);
}

/* ------------------------------------------------------------------ arithmetic */

static size_t build(uint64_t *buf, uint64_t nr, uint64_t enabled, uint64_t running,
		    const uint64_t *vals, const uint64_t *ids)
{
	buf[0] = nr;
	buf[1] = enabled;
	buf[2] = running;
	for (uint64_t k = 0; k < nr; k++) {
		buf[3 + 2 * k] = vals[k];
		buf[4 + 2 * k] = ids[k];
	}
	return (size_t)(3 + 2 * nr) * sizeof(uint64_t);
}

static void test_decode_scaling(void **state)
{
	uint64_t buf[16];
	struct counters_values out;
	const uint64_t ids[2] = { 90, 70 };
	const int slots[2] = { 1, 0 };
	(void)state;

	/* multiplexed: running = half of enabled -> scaled = 2 x raw */
	counters_values_init(&out, 3);
	size_t len = build(buf, 2, 1000, 500, (const uint64_t[]){ 100, 51 },
			   (const uint64_t[]){ 70, 90 });
	assert_int_equal(counters_decode_group(buf, len, ids, slots, 2, &out), 2);
	assert_true(out.v[0].present && out.v[0].multiplexed);
	assert_true(out.v[0].raw == 100);
	assert_true(out.v[0].scaled == 200.0);
	assert_true(out.v[1].scaled == 102.0);
	assert_true(out.v[0].time_enabled == 1000 && out.v[0].time_running == 500);
	assert_false(out.v[2].present); /* not in this group */
	assert_true(counters_values_min_scaling(&out) == 0.5);

	/* count * enabled / running with a non-integral ratio */
	counters_values_init(&out, 3);
	len = build(buf, 1, 3000, 1000, (const uint64_t[]){ 7 }, (const uint64_t[]){ 90 });
	assert_int_equal(counters_decode_group(buf, len, ids, slots, 2, &out), 1);
	assert_true(out.v[1].scaled == 21.0);

	/* not multiplexed: scaled == raw */
	counters_values_init(&out, 3);
	len = build(buf, 1, 1000, 1000, (const uint64_t[]){ 12345 }, (const uint64_t[]){ 70 });
	assert_int_equal(counters_decode_group(buf, len, ids, slots, 2, &out), 1);
	assert_true(out.v[0].present && !out.v[0].multiplexed);
	assert_true(out.v[0].scaled == 12345.0);

	/* never running: absent, not zero */
	counters_values_init(&out, 3);
	len = build(buf, 2, 1000, 0, (const uint64_t[]){ 0, 0 }, (const uint64_t[]){ 70, 90 });
	assert_int_equal(counters_decode_group(buf, len, ids, slots, 2, &out), 2);
	assert_false(out.v[0].present);
	assert_false(out.v[1].present);
	assert_true(counters_values_min_scaling(&out) == 0.0);

	/* malformed buffers */
	counters_values_init(&out, 3);
	assert_int_equal(counters_decode_group(buf, 16, ids, slots, 2, &out), -1);
	len = build(buf, 2, 1000, 1000, (const uint64_t[]){ 1, 2 }, (const uint64_t[]){ 70, 90 });
	assert_int_equal(counters_decode_group(buf, len - 8, ids, slots, 2, &out), -1);
	len = build(buf, 1, 1000, 1000, (const uint64_t[]){ 1 }, (const uint64_t[]){ 55 });
	assert_int_equal(counters_decode_group(buf, len, ids, slots, 2, &out), -1);
	buf[0] = 1000000; /* absurd nr */
	assert_int_equal(counters_decode_group(buf, sizeof(buf), ids, slots, 2, &out), -1);
	counters_values_init(&out, 1); /* slot 1 outside out->n */
	len = build(buf, 1, 1000, 1000, (const uint64_t[]){ 1 }, (const uint64_t[]){ 90 });
	assert_int_equal(counters_decode_group(buf, len, ids, slots, 2, &out), -1);
}

static void test_values_add(void **state)
{
	uint64_t buf[16];
	struct counters_values t1, t2, t3, sum;
	const uint64_t ids[2] = { 1, 2 };
	const int slots[2] = { 0, 1 };
	size_t len;
	(void)state;

	counters_values_init(&t1, 2);
	len = build(buf, 2, 1000, 1000, (const uint64_t[]){ 10, 20 }, (const uint64_t[]){ 1, 2 });
	counters_decode_group(buf, len, ids, slots, 2, &t1);

	counters_values_init(&t2, 2);
	len = build(buf, 2, 2000, 500, (const uint64_t[]){ 10, 20 }, (const uint64_t[]){ 1, 2 });
	counters_decode_group(buf, len, ids, slots, 2, &t2);

	counters_values_init(&sum, 2);
	assert_true(counters_values_min_scaling(&sum) == -1.0);
	counters_values_add(&sum, &t1);
	counters_values_add(&sum, &t2);
	assert_int_equal(sum.nadded, 2);
	assert_true(sum.v[0].present);
	assert_true(sum.v[0].raw == 20);
	assert_true(sum.v[0].scaled == 10.0 + 40.0); /* each thread scaled on its own */
	assert_true(sum.v[1].scaled == 20.0 + 80.0);
	assert_true(sum.v[0].multiplexed);
	assert_true(sum.v[0].time_enabled == 3000);
	assert_true(counters_values_min_scaling(&sum) == 0.25);

	/* a thread where event 1 never ran: the sum of event 1 is absent */
	counters_values_init(&t3, 2);
	len = build(buf, 1, 1000, 1000, (const uint64_t[]){ 5 }, (const uint64_t[]){ 1 });
	counters_decode_group(buf, len, ids, slots, 2, &t3);
	counters_values_add(&sum, &t3);
	assert_true(sum.v[0].present);
	assert_false(sum.v[1].present);
	assert_true(sum.v[0].raw == 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_all),
		cmocka_unit_test(test_parse_none),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_unknown),
		cmocka_unit_test(test_parse_raw),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_page_faults_window),
		cmocka_unit_test(test_open_all),
		cmocka_unit_test(test_decode_scaling),
		cmocka_unit_test(test_values_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
