/*
 * kbench.c - refbench-kbench, the userspace side of refbench_kmod: starts
 * a run of the loaded module (debugfs refbench_kmod/run), reads its
 * per-window results and writes them in the lab's results format, Google
 * Benchmark JSON with the userspace run's counters (bench/window.c):
 *
 *   kernel-<scenario>/<subject>/impl:<kernel|model>/release:<uname -r>
 *       [/modules:N]/manual_time/threads:T
 *
 * with ops, ops_per_sec, ns_per_op, thread_ops_per_sec_min/max, fairness,
 * and count_start/count_end, the case's count before and after the window.
 * A window whose count did not come back is marked error_occurred, as the
 * userspace check_count() does; cases the kernel cannot run are listed
 * with the reason under context.refbench_kbench.unavailable.
 *
 * Usage: refbench-kbench [--dir=DEBUGFS_DIR] [--out=FILE] [--no-run]
 *                        [--note=TEXT] [--host=NAME]
 * Exit status: 0 every window counted and exact; 1 a run failed, a count
 * was wrong or nothing was measured; 2 bad usage; 3 the module is not
 * loaded (or debugfs not mounted).
 */
#define _GNU_SOURCE
#include "json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "refbench-kbench"
#define MAX_FIELDS 24
#define MAX_THREADS 256

struct fields {
	int n;
	char *key[MAX_FIELDS];
	char *val[MAX_FIELDS];
};

/* Keys whose value is the rest of the line (it may hold spaces). */
static bool rest_of_line(const char *key)
{
	return !strcmp(key, "includes") || !strcmp(key, "reason");
}

/* Split "word key=value key=value ..." in place; the first word is returned. */
static char *split(char *line, struct fields *f)
{
	char *word = line, *p;

	f->n = 0;
	p = strchr(line, ' ');
	if (!p)
		return word;
	*p++ = '\0';
	while (*p && f->n < MAX_FIELDS) {
		char *eq = strchr(p, '='), *end;

		if (!eq)
			break;
		*eq = '\0';
		f->key[f->n] = p;
		f->val[f->n] = eq + 1;
		if (rest_of_line(p)) {
			f->n++;
			break;
		}
		end = strchr(eq + 1, ' ');
		f->n++;
		if (!end)
			break;
		*end = '\0';
		p = end + 1;
	}
	return word;
}

static const char *get(const struct fields *f, const char *key)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->key[i], key))
			return f->val[i];
	return NULL;
}

static char *slurp(const char *path, int *err)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!fp) {
		*err = errno;
		return NULL;
	}
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t got;

	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		fwrite(chunk, 1, got, mem);
	*err = ferror(fp) ? errno : 0;
	fclose(fp);
	fclose(mem);
	if (*err) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

/* Write the "includes" of each case, keyed by scenario/subject, from the cases file. */
struct case_info {
	char key[128];
	char *includes;
};

static const char *includes_of(struct case_info *ci, int n, const char *scen, const char *subj)
{
	char key[128];

	snprintf(key, sizeof(key), "%s/%s", scen, subj);
	for (int i = 0; i < n; i++)
		if (!strcmp(ci[i].key, key))
			return ci[i].includes;
	return "";
}

static void json_kv(FILE *o, const char *k, const char *v, bool comma)
{
	json_string(o, k);
	fputs(": ", o);
	json_string(o, v ? v : "");
	if (comma)
		fputs(",", o);
	fputc('\n', o);
}

int main(int argc, char **argv)
{
	const char *dir = "/sys/kernel/debug/refbench_kmod", *out = NULL, *note = "", *host = NULL;
	bool do_run = true;
	char path[4096], hostbuf[256];
	int err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--dir=", 6))
			dir = a + 6;
		else if (!strncmp(a, "--out=", 6))
			out = a + 6;
		else if (!strncmp(a, "--note=", 7))
			note = a + 7;
		else if (!strncmp(a, "--host=", 7))
			host = a + 7;
		else if (!strcmp(a, "--no-run"))
			do_run = false;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			puts("usage: " PROG " [--dir=DEBUGFS_DIR] [--out=FILE] [--no-run] [--note=TEXT] [--host=NAME]");
			return 0;
		} else
			usage_error("unknown argument '%s' (accepted: --dir= --out= --no-run --note= --host= --help)", a);
	}
	if (out && !*out)
		usage_error("--out='%s' is empty (a file name is accepted)", out);
	if (!host) {
		if (gethostname(hostbuf, sizeof(hostbuf)) != 0)
			snprintf(hostbuf, sizeof(hostbuf), "unknown");
		hostbuf[sizeof(hostbuf) - 1] = '\0';
		host = hostbuf;
	}

	snprintf(path, sizeof(path), "%s/cases", dir);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, PROG ": %s not readable (%s): load refbench_kmod first (make kbench) and mount debugfs on /sys/kernel/debug, as root\n",
			path, strerror(errno));
		return 3;
	}
	if (do_run) {
		snprintf(path, sizeof(path), "%s/run", dir);
		FILE *fp = fopen(path, "w");

		if (!fp) {
			fprintf(stderr, PROG ": cannot open %s: %s\n", path, strerror(errno));
			return 3;
		}
		setvbuf(fp, NULL, _IONBF, 0);
		if (fputs("1\n", fp) == EOF || fclose(fp) != 0) {
			fprintf(stderr, PROG ": the run failed: %s (the kernel log says why)\n", strerror(errno));
			return 1;
		}
	}
	snprintf(path, sizeof(path), "%s/cases", dir);
	char *cases = slurp(path, &err);
	if (!cases) {
		fprintf(stderr, PROG ": cannot read %s: %s\n", path, strerror(err));
		return 3;
	}
	snprintf(path, sizeof(path), "%s/results", dir);
	char *res = slurp(path, &err);
	if (!res) {
		fprintf(stderr, PROG ": cannot read %s: %s\n", path, strerror(err));
		return 3;
	}

	/* What each case includes. */
	struct case_info ci[256];
	int nci = 0;
	for (char *save = NULL, *line = strtok_r(cases, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct fields f;
		char *w = split(line, &f);

		if (!strcmp(w, "case") && nci < 256 && get(&f, "scenario") && get(&f, "subject")) {
			snprintf(ci[nci].key, sizeof(ci[nci].key), "%s/%s", get(&f, "scenario"),
				 get(&f, "subject"));
			ci[nci].includes = (char *)(get(&f, "includes") ? get(&f, "includes") : "");
			nci++;
		}
	}

	char tmp[4096];
	FILE *o = stdout;
	if (out) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", out);
		o = fopen(tmp, "w");
		if (!o) {
			fprintf(stderr, PROG ": cannot write %s: %s\n", tmp, strerror(errno));
			return 2;
		}
	}

	char date[64];
	time_t now = time(NULL);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S+00:00", gmtime(&now));

	/* First pass: the kernel line and the unavailable cases, for the context. */
	char *lines[8192];
	int nlines = 0;
	for (char *save = NULL, *line = strtok_r(res, "\n", &save); line && nlines < 8192;
	     line = strtok_r(NULL, "\n", &save))
		lines[nlines++] = line;

	struct fields kf = { 0 };
	char *kline = NULL;
	int run_status = -1, reps = 1;
	fputs("{\n\"context\": {\n", o);
	json_kv(o, "date", date, true);
	json_kv(o, "host_name", host, true);
	json_kv(o, "executable", "refbench_kmod", true);
	json_kv(o, "refbench_format", "1", true);
	fputs("\"refbench_kbench\": {\n", o);
	for (int i = 0; i < nlines; i++) {
		if (!strncmp(lines[i], "kernel ", 7) && !kline) {
			kline = strdup(lines[i]);
			split(kline, &kf);
		} else if (!strncmp(lines[i], "status ", 7)) {
			run_status = atoi(lines[i] + 11);
		}
	}
	if (!kline) {
		fprintf(stderr, PROG ": %s/results has no kernel line: not refbench_kmod's output\n", dir);
		if (out)
			fclose(o), unlink(tmp);
		return 1;
	}
	for (int i = 0; i < kf.n; i++)
		json_kv(o, kf.key[i], kf.val[i], true);
	if (get(&kf, "reps"))
		reps = atoi(get(&kf, "reps"));
	json_kv(o, "timing_note", note, true);
	fputs("\"unavailable\": [", o);
	int nun = 0;
	for (int i = 0; i < nlines; i++) {
		if (strncmp(lines[i], "unavailable ", 12))
			continue;
		char *copy = strdup(lines[i]);
		struct fields f;
		split(copy, &f);
		fputs(nun++ ? ",\n" : "\n", o);
		fputs("{", o);
		json_kv(o, "scenario", get(&f, "scenario"), true);
		json_kv(o, "subject", get(&f, "subject"), true);
		json_kv(o, "impl", get(&f, "impl"), true);
		json_kv(o, "reference", get(&f, "reference"), true);
		json_kv(o, "reason", get(&f, "reason"), false);
		fputs("}", o);
		free(copy);
	}
	fputs("]\n}\n},\n\"benchmarks\": [", o);

	int nres = 0, bad = 0;
	const char *release = get(&kf, "release") ? get(&kf, "release") : "unknown";
	for (int i = 0; i < nlines; i++) {
		if (strncmp(lines[i], "result ", 7))
			continue;
		struct fields f;
		split(lines[i], &f);
		const char *scen = get(&f, "scenario"), *subj = get(&f, "subject");
		const char *impl = get(&f, "impl"), *ref = get(&f, "reference");
		const char *ops_s = get(&f, "ops");
		int threads = get(&f, "threads") ? atoi(get(&f, "threads")) : 0;
		int rep = get(&f, "rep") ? atoi(get(&f, "rep")) : 0;
		unsigned long modules = get(&f, "modules") ? strtoul(get(&f, "modules"), NULL, 10) : 1;
		double window_ns = get(&f, "window_ns") ? strtod(get(&f, "window_ns"), NULL) : 0;
		long cs = get(&f, "count_start") ? atol(get(&f, "count_start")) : 0;
		long ce = get(&f, "count_end") ? atol(get(&f, "count_end")) : 0;
		if (!scen || !subj || !impl || !ops_s || threads < 1 || threads > MAX_THREADS) {
			fprintf(stderr, PROG ": malformed result line %d in %s/results\n", i + 1, dir);
			bad++;
			continue;
		}
		uint64_t ops = 0, min = UINT64_MAX, max = 0, leader = 0;
		int nt = 0;
		for (char *s2 = NULL, *tok = strtok_r((char *)ops_s, ",", &s2); tok;
		     tok = strtok_r(NULL, ",", &s2), nt++) {
			uint64_t d = strtoull(tok, NULL, 10);
			if (nt == 0)
				leader = d;
			ops += d;
			min = d < min ? d : min;
			max = d > max ? d : max;
		}
		char name[512], mods[32] = "";
		if (!strcmp(scen, "spread"))
			snprintf(mods, sizeof(mods), "/modules:%lu", modules);
		snprintf(name, sizeof(name), "kernel-%s/%s/impl:%s/release:%s%s/manual_time/threads:%d",
			 scen, subj, impl, release, mods, threads);
		double w = window_ns / 1e9;
		bool exact = cs == ce;
		if (nt != threads || ops == 0 || w <= 0) {
			fprintf(stderr, PROG ": %s: %d thread counts for %d threads, %llu operations in %.0f ns\n",
				name, nt, threads, (unsigned long long)ops, window_ns);
			bad++;
			continue;
		}
		if (!exact) {
			fprintf(stderr, PROG ": %s repetition %d: count %ld after the window, %ld before\n",
				name, rep, ce, cs);
			bad++;
		}
		fputs(nres++ ? ",\n{\n" : "\n{\n", o);
		json_kv(o, "name", name, true);
		json_kv(o, "run_name", name, true);
		json_kv(o, "run_type", "iteration", true);
		fprintf(o, "\"repetitions\": %d,\n\"repetition_index\": %d,\n\"threads\": %d,\n", reps, rep, threads);
		fprintf(o, "\"iterations\": %llu,\n", (unsigned long long)leader);
		fprintf(o, "\"real_time\": %.17g,\n\"cpu_time\": %.17g,\n", window_ns / (double)leader,
			window_ns / (double)leader);
		json_kv(o, "time_unit", "ns", true);
		fprintf(o, "\"ops\": %llu,\n", (unsigned long long)ops);
		fprintf(o, "\"ops_per_sec\": %.17g,\n", (double)ops / w);
		fprintf(o, "\"ns_per_op\": %.17g,\n", window_ns * threads / (double)ops);
		fprintf(o, "\"thread_ops_per_sec_min\": %.17g,\n", (double)min / w);
		fprintf(o, "\"thread_ops_per_sec_max\": %.17g,\n", (double)max / w);
		if (max > 0)
			fprintf(o, "\"fairness\": %.17g,\n", (double)min / (double)max);
		fprintf(o, "\"window_ns\": %.17g,\n", window_ns);
		fprintf(o, "\"count_start\": %ld,\n\"count_end\": %ld,\n", cs, ce);
		if (!exact) {
			fputs("\"error_occurred\": true,\n", o);
			char msg[160];
			snprintf(msg, sizeof(msg), "count mismatch: %ld after the window, %ld before", ce, cs);
			json_kv(o, "error_message", msg, true);
		}
		json_kv(o, "refbench_kernel_impl", impl, true);
		json_kv(o, "refbench_kernel_reference", ref, true);
		json_kv(o, "refbench_kernel_release", release, true);
		json_kv(o, "refbench_includes", includes_of(ci, nci, scen, subj), true);
		json_kv(o, "refbench_part", "kbench", false);
		fputs("}", o);
	}
	fputs("\n]\n}\n", o);
	if (out) {
		if (fclose(o) != 0) {
			fprintf(stderr, PROG ": cannot write %s: %s\n", tmp, strerror(errno));
			unlink(tmp);
			return 1;
		}
		if (rename(tmp, out) != 0) {
			fprintf(stderr, PROG ": cannot rename %s to %s: %s\n", tmp, out, strerror(errno));
			unlink(tmp);
			return 1;
		}
	}
	if (run_status != 0) {
		fprintf(stderr, PROG ": the module's last run ended with %d%s\n", run_status,
			run_status == -61 ? " (no run yet: leave out --no-run)" : "");
		return 1;
	}
	if (nres == 0) {
		fprintf(stderr, PROG ": no window was measured (schemes= selected nothing that can run here?)\n");
		return 1;
	}
	if (bad) {
		fprintf(stderr, PROG ": %d of %d windows failed their checks\n", bad, nres);
		return 1;
	}
	fprintf(stderr, PROG ": %d windows, every count back where it started\n", nres);
	free(kline);
	free(res);
	free(cases);
	return 0;
}
