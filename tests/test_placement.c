/*
 * test_placement.c - placement policies, locations, defaults, errors, JSON and
 * binding (bench/place/placement.c and placement_bind.c).  (Over 600 lines:
 * the cases share the synthetic topologies below.)
 *
 * Synthetic topologies (hwloc_topology_set_synthetic):
 *   T1 "pack:2 [numa] core:4 pu:2"   2 packages, 1 node each, 2 PUs per core
 *   T2 "numa:4 core:2 pu:1"          4 nodes, no packages
 *   T3 "pack:2 numa:2 core:4 pu:1"   2 packages of 2 nodes each
 * Expected orders were cross-checked with hwloc-calc --if synthetic.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "placement.h"

#define T1 "pack:2 [numa] core:4 pu:2"
#define T2 "numa:4 core:2 pu:1"
#define T3 "pack:2 numa:2 core:4 pu:1"

static hwloc_topology_t synth(const char *desc)
{
	hwloc_topology_t t;

	assert_int_equal(hwloc_topology_init(&t), 0);
	assert_int_equal(hwloc_topology_set_synthetic(t, desc), 0);
	assert_int_equal(hwloc_topology_load(t), 0);
	return t;
}

/* Build and compare the OS indexes with want[0..n-1]. */
static void expect_os(const char *desc, const char *policy, bool smt, const int *want, int n)
{
	hwloc_topology_t t = synth(desc);
	struct placement p;
	char err[512] = "";
	int rc = placement_build(t, policy, smt, &p, err, sizeof(err));

	if (rc)
		fail_msg("%s on %s: %s", policy, desc, err);
	assert_int_equal(p.nr, n);
	for (int i = 0; i < n; i++)
		if (p.cpu[i].os_index != want[i])
			fail_msg("%s%s on %s: cpu[%d] is PU %d, want %d", policy,
				 smt ? " smt" : "", desc, i, p.cpu[i].os_index, want[i]);
	assert_string_equal(p.policy, policy);
	assert_true(p.smt == smt);
	placement_free(&p);
	assert_null(p.cpu);
	hwloc_topology_destroy(t);
}

#define EXPECT(desc, policy, smt, ...)                                         \
	do {                                                                   \
		const int w_[] = { __VA_ARGS__ };                              \
		expect_os(desc, policy, smt, w_, (int)(sizeof(w_) / sizeof(w_[0]))); \
	} while (0)

/* Build must fail with an error containing every given fragment. */
static void expect_err(hwloc_topology_t t, const char *policy, bool smt, const char *frag1,
		       const char *frag2)
{
	struct placement p;
	char err[512] = "";

	memset(&p, 0x5a, sizeof(p));
	if (placement_build(t, policy, smt, &p, err, sizeof(err)) == 0)
		fail_msg("'%s' was accepted (nr %d)", policy, p.nr);
	assert_null(p.cpu);
	assert_int_equal(p.nr, 0);
	assert_null(strchr(err, '\n'));
	if (frag1 && !strstr(err, frag1))
		fail_msg("'%s': error '%s' lacks '%s'", policy, err, frag1);
	if (frag2 && !strstr(err, frag2))
		fail_msg("'%s': error '%s' lacks '%s'", policy, err, frag2);
}

/* ---------------------------------------------------------------- orders */

static void test_compact(void **state)
{
	(void)state;
	EXPECT(T1, "compact", false, 0, 2, 4, 6, 8, 10, 12, 14);
	EXPECT(T1, "compact", true, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	EXPECT(T2, "compact", false, 0, 1, 2, 3, 4, 5, 6, 7);
	EXPECT(T3, "compact", false, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

	/* records: cores of package 0 first, node of each PU */
	hwloc_topology_t t = synth(T1);
	struct placement p;
	char err[256];

	assert_int_equal(placement_build(t, "compact", true, &p, err, sizeof(err)), 0);
	for (int i = 0; i < p.nr; i++) {
		assert_int_equal(p.cpu[i].pu_logical, i);
		assert_int_equal(p.cpu[i].core, i / 2);
		assert_int_equal(p.cpu[i].package, i / 8);
		assert_int_equal(p.cpu[i].node, i / 8);
	}
	assert_int_equal(p.nr_nodes, 2);
	placement_free(&p);
	hwloc_topology_destroy(t);
}

static void test_scatter(void **state)
{
	(void)state;
	EXPECT(T1, "scatter", false, 0, 8, 2, 10, 4, 12, 6, 14);
	EXPECT(T1, "scatter", true, 0, 8, 2, 10, 4, 12, 6, 14, 1, 9, 3, 11, 5, 13, 7, 15);
	EXPECT(T2, "scatter", false, 0, 2, 4, 6, 1, 3, 5, 7);
	/* 2 packages x 2 nodes: nodes visited 0,2,1,3 (package alternates) */
	EXPECT(T3, "scatter", false, 0, 8, 4, 12, 1, 9, 5, 13, 2, 10, 6, 14, 3, 11, 7, 15);

	hwloc_topology_t t = synth(T3);
	struct placement p;
	char err[256];
	static const int nodes[4] = { 0, 2, 1, 3 };

	assert_int_equal(placement_build(t, "scatter", false, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nr_nodes, 4);
	for (int i = 0; i < p.nr; i++) {
		assert_int_equal(p.cpu[i].node, nodes[i % 4]);
		assert_int_equal(p.cpu[i].package, i % 2);
		if (i)
			assert_int_not_equal(p.cpu[i].node, p.cpu[i - 1].node);
	}
	placement_free(&p);
	hwloc_topology_destroy(t);

	/* no packages in T2: package recorded as -1 */
	t = synth(T2);
	assert_int_equal(placement_build(t, "scatter", false, &p, err, sizeof(err)), 0);
	for (int i = 0; i < p.nr; i++) {
		assert_int_equal(p.cpu[i].package, -1);
		assert_int_equal(p.cpu[i].node, i % 4);
	}
	placement_free(&p);
	hwloc_topology_destroy(t);
}

static void test_locations(void **state)
{
	(void)state;
	EXPECT(T1, "core:0-3", false, 0, 2, 4, 6);
	EXPECT(T1, "core:0-3", true, 0, 1, 2, 3, 4, 5, 6, 7);
	EXPECT(T1, "pu:0,2", false, 0, 2);
	EXPECT(T1, "pu:0,1", true, 0, 1);
	EXPECT(T1, "node:1", false, 8, 10, 12, 14);
	EXPECT(T1, "numa:0", false, 0, 2, 4, 6);
	EXPECT(T1, "package:0.core:0-1", false, 0, 2);
	EXPECT(T1, "package:0.core:0-1", true, 0, 1, 2, 3);
	EXPECT(T1, "package:1.core:1", false, 10);
	EXPECT(T1, "package:1.pu:1", true, 9);
	EXPECT(T1, "node:1.core:1", false, 10);
	EXPECT(T1, "core:0 core:5", false, 0, 10);
	EXPECT(T1, "core:even", false, 0, 4, 8, 12);
	EXPECT(T1, "core:odd", false, 2, 6, 10, 14);
	EXPECT(T1, "core:1:2", false, 2, 4);
	EXPECT(T1, "core:6-", false, 12, 14);
	EXPECT(T1, "socket:all.core:0", false, 0, 8);
	EXPECT(T1, "core:3,1", false, 2, 6); /* a set: logical order */
	EXPECT(T2, "node:2.core:1", false, 5);
	EXPECT(T3, "package:1.node:1", false, 12, 13, 14, 15);
	EXPECT(T3, "package:0.node:1.core:0", false, 4);
	EXPECT(T3, "node:2.core:1", false, 9);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void **state)
{
	hwloc_topology_t t = synth(T1), t2 = synth(T2);
	char big[200];

	(void)state;
	expect_err(t, "foo", false, "unknown placement 'foo'", "compact, scatter");
	expect_err(t, "Compact", false, "unknown placement 'Compact'", "accepted");
	expect_err(t, "", false, "empty placement", "compact");
	expect_err(t, NULL, false, "empty placement", NULL);
	expect_err(t, "core", false, "unknown placement 'core'", NULL);
	expect_err(t, "core:8", false, "Core 8 does not exist", "Core 0-7");
	expect_err(t, "pu:0-99", false, "PU 16 does not exist", "PU 0-15");
	expect_err(t, "pu:99-", false, "PU 99 does not exist", NULL);
	expect_err(t, "node:2", false, "NUMANode 2 does not exist", NULL);
	expect_err(t, "package:0.core:4", false, "Core 4 does not exist inside Package 0",
		   "Core 0-3");
	expect_err(t, "core:all.pu:2", true, "PU 2 does not exist inside Core 0", NULL);
	expect_err(t, "bogus:1", false, "unknown object type 'bogus'", "pu, core");
	expect_err(t, "core:x", false, "bad index list 'x'", "N-M");
	expect_err(t, "core:1,", false, "bad index list", NULL);
	expect_err(t, "core:1:0", false, "bad index list", NULL);
	expect_err(t, "core:3-1", false, "range 3-1 is reversed", NULL);
	expect_err(t, "core:", false, "not TYPE:INDEXES", NULL);
	expect_err(t, "core:0..pu:0", false, "element '' is not TYPE:INDEXES", NULL);
	expect_err(t, "0x3:1", false, "unknown object type '0x3'", NULL);
	expect_err(t, "pu:0,1", false, "2 PUs of core 0", "smt");
	expect_err(t, "core:0 pu:1", false, "SMT siblings", NULL);
	expect_err(t2, "package:0", false, "no Package objects", NULL);
	memset(big, 'c', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_err(t, big, false, "too long", "127");

	/* thread counts */
	struct placement p;
	char err[256];

	assert_int_equal(placement_build(t, "compact", false, &p, err, sizeof(err)), 0);
	assert_int_equal(placement_check_threads(&p, 1, err, sizeof(err)), 0);
	assert_int_equal(placement_check_threads(&p, 8, err, sizeof(err)), 0);
	assert_int_not_equal(placement_check_threads(&p, 9, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "threads=9"));
	assert_non_null(strstr(err, "accepted: 1-8"));
	assert_int_not_equal(placement_check_threads(&p, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "threads=0"));
	assert_int_not_equal(placement_check_threads(&p, -3, err, sizeof(err)), 0);

	/* binding a synthetic topology is refused, naming the source */
	assert_int_not_equal(placement_bind_self(t, &p, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "is not this machine: placement can be planned, not bound"));
	assert_int_not_equal(placement_bind_self(t, &p, 8, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "accepted: 0-7"));
	placement_free(&p);

	hwloc_topology_destroy(t);
	hwloc_topology_destroy(t2);
}

/* ---------------------------------------------------------------- defaults */

static void expect_defaults(const char *desc, const char *policy, bool smt, const int *want,
			    int n)
{
	hwloc_topology_t t = synth(desc);
	struct placement p;
	char err[256];
	int counts[8], got;

	assert_int_equal(placement_build(t, policy, smt, &p, err, sizeof(err)), 0);
	got = placement_default_threads(t, &p, counts, 8);
	if (got != n)
		fail_msg("%s %s%s: %d default counts, want %d", desc, policy, smt ? " smt" : "",
			 got, n);
	for (int i = 0; i < n; i++)
		if (counts[i] != want[i])
			fail_msg("%s %s: counts[%d] = %d, want %d", desc, policy, i, counts[i],
				 want[i]);
	for (int i = 0; i < n; i++)
		assert_int_equal(placement_check_threads(&p, counts[i], err, sizeof(err)), 0);
	placement_free(&p);
	hwloc_topology_destroy(t);
}

#define DEFAULTS(desc, policy, smt, ...)                                       \
	do {                                                                   \
		const int w_[] = { __VA_ARGS__ };                              \
		expect_defaults(desc, policy, smt, w_, (int)(sizeof(w_) / sizeof(w_[0]))); \
	} while (0)

static void test_default_threads(void **state)
{
	(void)state;
	DEFAULTS(T3, "compact", false, 1, 2, 4, 8, 16);  /* node 4, package 8, all 16 */
	DEFAULTS(T3, "scatter", false, 1, 2, 4, 8, 16);
	DEFAULTS(T1, "compact", false, 1, 2, 4, 8);      /* node = package = 4 cores */
	DEFAULTS(T1, "compact", true, 1, 2, 8, 16);      /* counted in PUs with smt */
	DEFAULTS(T2, "compact", false, 1, 2, 8);         /* node 2, no packages, all 8 */
	DEFAULTS(T1, "node:1", false, 1, 2, 4);          /* capped at the placement size */
	DEFAULTS(T1, "core:0", false, 1);
	DEFAULTS(T1, "core:0", true, 1, 2);

	hwloc_topology_t t = synth(T3);
	struct placement p;
	char err[256];
	int counts[2];

	assert_int_equal(placement_build(t, "compact", false, &p, err, sizeof(err)), 0);
	assert_int_equal(placement_default_threads(t, &p, counts, 2), 2);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 2);
	assert_int_equal(placement_default_threads(t, &p, counts, 0), -1);
	placement_free(&p);
	hwloc_topology_destroy(t);
}

/* ---------------------------------------------------------------- JSON */

/* Minimal JSON validator: returns the end of one value, NULL if invalid. */
static const char *jv(const char *s);

static const char *jws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *jstr(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		if (*s == '\0' || (unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
						return NULL;
				s += 4;
			} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
				return NULL;
			}
		}
		s++;
	}
	return s + 1;
}

static const char *jv(const char *s)
{
	s = jws(s);
	if (*s == '{' || *s == '[') {
		char close = *s == '{' ? '}' : ']';
		bool obj = *s == '{';

		s = jws(s + 1);
		if (*s == close)
			return s + 1;
		for (;;) {
			if (obj) {
				if (!(s = jstr(jws(s))))
					return NULL;
				s = jws(s);
				if (*s++ != ':')
					return NULL;
			}
			if (!(s = jv(s)))
				return NULL;
			s = jws(s);
			if (*s == close)
				return s + 1;
			if (*s++ != ',')
				return NULL;
		}
	}
	if (*s == '"')
		return jstr(s);
	if (!strncmp(s, "true", 4))
		return s + 4;
	if (!strncmp(s, "false", 5))
		return s + 5;
	if (!strncmp(s, "null", 4))
		return s + 4;
	if (*s == '-' || (*s >= '0' && *s <= '9')) {
		char *end;

		strtod(s, &end);
		return end;
	}
	return NULL;
}

static char *json_of(const struct placement *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	placement_write_json(f, p);
	fclose(f);
	return buf;
}

static void assert_json(const char *s)
{
	const char *end = jv(s);

	if (!end || *jws(end) != '\0')
		fail_msg("invalid JSON: %s", s);
}

static void test_json(void **state)
{
	hwloc_topology_t t = synth(T2);
	struct placement p;
	char err[256], *js;

	(void)state;
	assert_int_equal(placement_build(t, "scatter", false, &p, err, sizeof(err)), 0);
	js = json_of(&p);
	assert_json(js);
	assert_non_null(strstr(js, "\"policy\": \"scatter\""));
	assert_non_null(strstr(js, "\"smt\": false"));
	assert_non_null(strstr(js, "\"nr\": 8"));
	assert_non_null(strstr(js, "\"nr_nodes\": 4"));
	assert_non_null(strstr(js, "{\"thread\": 1, \"os_index\": 2, \"pu_logical\": 2, "
				   "\"core\": 2, \"package\": null, \"node\": 1}"));
	free(js);
	placement_free(&p);
	hwloc_topology_destroy(t);

	t = synth(T1);
	assert_int_equal(placement_build(t, "package:1.core:0-1", true, &p, err, sizeof(err)), 0);
	js = json_of(&p);
	assert_json(js);
	assert_non_null(strstr(js, "\"smt\": true"));
	assert_non_null(strstr(js, "{\"thread\": 3, \"os_index\": 11, \"pu_logical\": 11, "
				   "\"core\": 5, \"package\": 1, \"node\": 1}]}"));
	free(js);
	placement_free(&p);
	hwloc_topology_destroy(t);

	/* escaping, and an empty placement */
	struct placement q = { .smt = false, .nr = 0, .cpu = NULL };

	snprintf(q.policy, sizeof(q.policy), "a\"b\\c\td");
	js = json_of(&q);
	assert_json(js);
	assert_non_null(strstr(js, "\"a\\\"b\\\\c\\u0009d\""));
	assert_non_null(strstr(js, "\"cpus\": []"));
	free(js);
}

/* ---------------------------------------------------------------- env */

static char tmpdir[256];

static void make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = P_tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_placement.XXXXXX", base);
	assert_non_null(mkdtemp(tmpdir));
}

static void clear_env(void)
{
	unsetenv("HWLOC_XMLFILE");
	unsetenv("HWLOC_SYNTHETIC");
	unsetenv("HWLOC_FSROOT");
	unsetenv("HWLOC_CPUID_PATH");
	unsetenv("HWLOC_THISSYSTEM");
}

/* One long case: the XML topology's set-up and every check made on it. */
static void test_xmlfile(void **state)
{
	hwloc_topology_t t = synth(T3), x;
	char path[400], err[512];
	struct placement p;

	(void)state;
	make_tmpdir();
	snprintf(path, sizeof(path), "%s/t3.xml", tmpdir);
	assert_int_equal(hwloc_topology_export_xml(t, path, 0), 0);
	hwloc_topology_destroy(t);

	clear_env();
	setenv("HWLOC_XMLFILE", path, 1);
	if (placement_topology_init(&x, err, sizeof(err)))
		fail_msg("init from XML: %s", err);
	assert_false(placement_topology_is_this_system(x));
	assert_int_equal(hwloc_get_nbobjs_by_type(x, HWLOC_OBJ_PU), 16);
	assert_non_null(strstr(placement_topology_source(x), path));

	/* planning works */
	assert_int_equal(placement_build(x, "scatter", false, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nr, 16);
	assert_int_equal(p.cpu[1].os_index, 8);
	assert_int_equal(p.nr_nodes, 4);

	/* binding refuses, naming the file */
	assert_int_not_equal(placement_bind_self(x, &p, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "topology loaded from HWLOC_XMLFILE="));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "is not this machine: placement can be planned, not bound"));
	placement_free(&p);
	placement_topology_destroy(x);

	/* HWLOC_SYNTHETIC wins over HWLOC_XMLFILE, as in hwloc_topology_load */
	setenv("HWLOC_SYNTHETIC", T2, 1);
	assert_int_equal(placement_topology_init(&x, err, sizeof(err)), 0);
	assert_int_equal(hwloc_get_nbobjs_by_type(x, HWLOC_OBJ_PU), 8);
	assert_false(placement_topology_is_this_system(x));
	assert_string_equal(placement_topology_source(x), "HWLOC_SYNTHETIC=" T2);
	placement_topology_destroy(x);

	/* invalid synthetic description: error, not a silent native fallback */
	setenv("HWLOC_SYNTHETIC", "bogus:3", 1);
	x = (hwloc_topology_t)(uintptr_t)1;
	assert_int_not_equal(placement_topology_init(&x, err, sizeof(err)), 0);
	assert_null(x);
	assert_non_null(strstr(err, "invalid HWLOC_SYNTHETIC 'bogus:3'"));
	unsetenv("HWLOC_SYNTHETIC");

	/* nonexistent file */
	char missing[400];

	snprintf(missing, sizeof(missing), "%s/missing.xml", tmpdir);
	setenv("HWLOC_XMLFILE", missing, 1);
	assert_int_not_equal(placement_topology_init(&x, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "cannot read HWLOC_XMLFILE"));
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file"));
	assert_null(strchr(err, '\n'));

	/* garbage file */
	char bad[400];
	FILE *f;

	snprintf(bad, sizeof(bad), "%s/bad.xml", tmpdir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("<topology>not hwloc\n", f);
	fclose(f);
	setenv("HWLOC_XMLFILE", bad, 1);
	assert_int_not_equal(placement_topology_init(&x, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "invalid HWLOC_XMLFILE"));
	assert_non_null(strstr(err, bad));

	/* empty value = unset (hwloc skips it too): this machine */
	setenv("HWLOC_XMLFILE", "", 1);
	assert_int_equal(placement_topology_init(&x, err, sizeof(err)), 0);
	assert_true(placement_topology_is_this_system(x));
	assert_string_equal(placement_topology_source(x), "this machine");
	placement_topology_destroy(x);

	clear_env();
	unlink(path);
	unlink(bad);
	rmdir(tmpdir);
}

/* ---------------------------------------------------------------- this machine */

struct bind_job {
	hwloc_topology_t topo;
	const struct placement *p;
	int i, rc, cpu;
	char err[512];
};

static void *bind_thread(void *arg)
{
	struct bind_job *j = arg;

	j->rc = placement_bind_self(j->topo, j->p, j->i, j->err, sizeof(j->err));
	j->cpu = sched_getcpu();
	return NULL;
}

static void test_real_machine_bind(void **state)
{
	hwloc_topology_t t;
	struct placement p;
	char err[512];
	int counts[8], n;

	(void)state;
	clear_env();
	if (placement_topology_init(&t, err, sizeof(err)))
		fail_msg("init: %s", err);
	assert_true(placement_topology_is_this_system(t));
	assert_string_equal(placement_topology_source(t), "this machine");
	for (int smt = 0; smt < 2; smt++) {
		if (placement_build(t, "compact", smt, &p, err, sizeof(err)))
			fail_msg("compact: %s", err);
		assert_true(p.nr >= 1);
		assert_true(p.nr_nodes >= 1);

		struct bind_job *jobs = calloc((size_t)p.nr, sizeof(*jobs));
		pthread_t *tids = calloc((size_t)p.nr, sizeof(*tids));

		assert_non_null(jobs);
		assert_non_null(tids);
		for (int i = 0; i < p.nr; i++) {
			jobs[i] = (struct bind_job){ .topo = t, .p = &p, .i = i, .rc = -2 };
			assert_int_equal(pthread_create(&tids[i], NULL, bind_thread, &jobs[i]), 0);
		}
		for (int i = 0; i < p.nr; i++)
			assert_int_equal(pthread_join(tids[i], NULL), 0);
		for (int i = 0; i < p.nr; i++) {
			if (jobs[i].rc)
				fail_msg("thread %d: %s", i, jobs[i].err);
			assert_int_equal(jobs[i].cpu, p.cpu[i].os_index);
		}
		if (smt) {
			char *js = json_of(&p);

			assert_json(js);
			print_message("this machine, compact smt: %s\n", js);
			free(js);
		}
		n = placement_default_threads(t, &p, counts, 8);
		assert_true(n >= 1);
		assert_int_equal(counts[0], 1);
		assert_int_equal(counts[n - 1], p.nr);
		free(jobs);
		free(tids);
		placement_free(&p);
	}
	placement_topology_destroy(t);
}

/* Process binding (as from taskset) limits the usable PUs. */
static cpu_set_t saved_mask;

static int save_mask(void **state)
{
	(void)state;
	return sched_getaffinity(0, sizeof(saved_mask), &saved_mask);
}

static int restore_mask(void **state)
{
	(void)state;
	return sched_setaffinity(0, sizeof(saved_mask), &saved_mask);
}

static void test_process_binding(void **state)
{
	hwloc_topology_t t;
	struct placement p;
	char err[512], loc[64];
	cpu_set_t one;
	int first = -1, other = -1;
	hwloc_obj_t pu;

	(void)state;
	if (CPU_COUNT(&saved_mask) < 2) {
		fprintf(stderr, "skipped: needs two CPUs this process may run on\n");
		skip();
	}
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &saved_mask))
			continue;
		if (first < 0)
			first = c;
		else if (other < 0)
			other = c;
	}
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);

	clear_env();
	assert_int_equal(placement_topology_init(&t, err, sizeof(err)), 0);
	assert_int_equal(placement_build(t, "compact", true, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nr, 1);
	assert_int_equal(p.cpu[0].os_index, first);
	assert_int_not_equal(placement_check_threads(&p, 2, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "accepted: 1-1"));
	placement_free(&p);

	pu = hwloc_get_pu_obj_by_os_index(t, (unsigned)other);
	assert_non_null(pu);
	snprintf(loc, sizeof(loc), "pu:%u", pu->logical_index);
	expect_err(t, loc, true, "outside this process's allowed CPUs", "taskset");
	placement_topology_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_scatter),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_default_threads),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_xmlfile),
		cmocka_unit_test(test_real_machine_bind),
		cmocka_unit_test_setup_teardown(test_process_binding, save_mask, restore_mask),
	};

	clear_env();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
