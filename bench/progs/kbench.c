/*
 * kbench.c - refbench-kbench, the userspace side of refbench_kmod: starts
 * a run of the loaded module (debugfs refbench_kmod/run), reads its
 * per-window results and writes them in the lab's results format, Google
 * Benchmark JSON with the userspace run's counters (bench/core/window.c):
 *
 *   kernel-<scenario>/<subject>/impl:<kernel|model>/release:<uname -r>
 *       [/modules:N]/manual_time/threads:T
 *
 * with ops, ops_per_sec, ns_per_op, thread_ops_per_sec_min/max, fairness,
 * and count_start/count_end, the case's count before and after the window.
 * A case that times its own operations (the grace scenario's, from each
 * call to the event it names) reports timed_ns, their sum, and then
 * ns_per_op is timed_ns over its operations, the mean of those timings
 * (refbench_timing says which); refbench_kernel_beside names the userspace
 * figures it stands beside (COUNTER@PREFIX, comma-separated).  The
 * kernel's RCU settings that change what a grace period is
 * (/sys/kernel/rcu_expedited, rcu_normal) go into the context.
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

/* What the command line asked for. */
struct kb_args {
	const char *dir, *out, *note, *host;
	bool do_run;
	char hostbuf[256];
};

static void parse_args(int argc, char **argv, struct kb_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strncmp(s, "--dir=", 6))
			a->dir = s + 6;
		else if (!strncmp(s, "--out=", 6))
			a->out = s + 6;
		else if (!strncmp(s, "--note=", 7))
			a->note = s + 7;
		else if (!strncmp(s, "--host=", 7))
			a->host = s + 7;
		else if (!strcmp(s, "--no-run"))
			a->do_run = false;
		else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			puts("usage: " PROG " [--dir=DEBUGFS_DIR] [--out=FILE] [--no-run] [--note=TEXT] [--host=NAME]");
			exit(0);
		} else
			usage_error("unknown argument '%s' (accepted: --dir= --out= --no-run --note= --host= --help)", s);
	}
	if (a->out && !*a->out)
		usage_error("--out='%s' is empty (a file name is accepted)", a->out);
	if (!a->host) {
		if (gethostname(a->hostbuf, sizeof(a->hostbuf)) != 0)
			snprintf(a->hostbuf, sizeof(a->hostbuf), "unknown");
		a->hostbuf[sizeof(a->hostbuf) - 1] = '\0';
		a->host = a->hostbuf;
	}
}

/* Check the module is there and (unless --no-run) start a run: 0, or the exit status. */
static int start_run(const struct kb_args *a)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/cases", a->dir);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, PROG ": %s not readable (%s): load refbench_kmod first (make kbench) and mount debugfs on /sys/kernel/debug, as root\n",
			path, strerror(errno));
		return 3;
	}
	if (a->do_run) {
		snprintf(path, sizeof(path), "%s/run", a->dir);
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
	return 0;
}

/* The debugfs file @name of the module, whole; NULL after a one-line error. */
static char *read_file(const char *dir, const char *name)
{
	char path[4096];
	int err;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = slurp(path, &err);
	if (!text)
		fprintf(stderr, PROG ": cannot read %s: %s\n", path, strerror(err));
	return text;
}

/* What each case includes, from the cases file; the count. */
static int read_cases(char *cases, struct case_info *ci, int max)
{
	int nci = 0;

	for (char *save = NULL, *line = strtok_r(cases, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct fields f;
		char *w = split(line, &f);

		if (!strcmp(w, "case") && nci < max && get(&f, "scenario") && get(&f, "subject")) {
			snprintf(ci[nci].key, sizeof(ci[nci].key), "%s/%s", get(&f, "scenario"),
				 get(&f, "subject"));
			ci[nci].includes = (char *)(get(&f, "includes") ? get(&f, "includes") : "");
			nci++;
		}
	}
	return nci;
}

/* The module's results: its kernel line (@kf, in @kline), its last status, and the context. */
struct kb_results {
	char **lines;
	int nlines;
	struct fields kf;
	char *kline;
	int run_status, reps;
};

/* The context object: the run, the kernel line and the unavailable cases; false when the
 * results have no kernel line. */
static bool write_context(FILE *o, const struct kb_args *a, struct kb_results *r)
{
	char date[64];
	time_t now = time(NULL);
	int nun = 0;

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S+00:00", gmtime(&now));
	fputs("{\n\"context\": {\n", o);
	json_kv(o, "date", date, true);
	json_kv(o, "host_name", a->host, true);
	json_kv(o, "executable", "refbench_kmod", true);
	json_kv(o, "refbench_format", "1", true);
	fputs("\"refbench_kbench\": {\n", o);
	for (int i = 0; i < r->nlines; i++) {
		if (!strncmp(r->lines[i], "kernel ", 7) && !r->kline) {
			r->kline = strdup(r->lines[i]);
			split(r->kline, &r->kf);
		} else if (!strncmp(r->lines[i], "status ", 7)) {
			r->run_status = atoi(r->lines[i] + 11);
		}
	}
	if (!r->kline) {
		fprintf(stderr, PROG ": %s/results has no kernel line: not refbench_kmod's output\n", a->dir);
		return false;
	}
	for (int i = 0; i < r->kf.n; i++)
		json_kv(o, r->kf.key[i], r->kf.val[i], true);
	if (get(&r->kf, "reps"))
		r->reps = atoi(get(&r->kf, "reps"));
	json_kv(o, "timing_note", a->note, true);
	/* What synchronize_rcu() and synchronize_rcu_expedited() are, here. */
	for (int k = 0; k < 2; k++) {
		static const char *const knob[] = { "rcu_expedited", "rcu_normal" };
		char kpath[64], *v;
		int kerr;

		snprintf(kpath, sizeof(kpath), "/sys/kernel/%s", knob[k]);
		v = slurp(kpath, &kerr);
		if (v) {
			v[strcspn(v, "\n")] = '\0';
			json_kv(o, knob[k], v, true);
			free(v);
		}
	}
	fputs("\"unavailable\": [", o);
	for (int i = 0; i < r->nlines; i++) {
		if (strncmp(r->lines[i], "unavailable ", 12))
			continue;
		char *copy = strdup(r->lines[i]);
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
	return true;
}

/* One window's fields, read from a result line. */
struct kb_window {
	const char *scen, *subj, *impl, *ref, *beside;
	int threads, rep, nt;
	double window_ns, timed_ns;
	long cs, ce;
	uint64_t ops, min, max, leader;
	char name[512];
};

/*
 * Result line @i (split in place) into @wd: 0, or -1 (after a one-line
 * error) when it is malformed or its figures cannot be right.
 */
static int read_window(char *line, int i, const char *dir, const char *release,
		       struct kb_window *wd)
{
	struct fields f;
	char mods[32] = "";
	unsigned long modules;
	const char *ops_s;

	split(line, &f);
	wd->scen = get(&f, "scenario"), wd->subj = get(&f, "subject");
	wd->impl = get(&f, "impl"), wd->ref = get(&f, "reference");
	ops_s = get(&f, "ops");
	wd->threads = get(&f, "threads") ? atoi(get(&f, "threads")) : 0;
	wd->rep = get(&f, "rep") ? atoi(get(&f, "rep")) : 0;
	modules = get(&f, "modules") ? strtoul(get(&f, "modules"), NULL, 10) : 1;
	wd->window_ns = get(&f, "window_ns") ? strtod(get(&f, "window_ns"), NULL) : 0;
	wd->timed_ns = get(&f, "timed_ns") ? strtod(get(&f, "timed_ns"), NULL) : 0;
	wd->beside = get(&f, "beside");
	wd->cs = get(&f, "count_start") ? atol(get(&f, "count_start")) : 0;
	wd->ce = get(&f, "count_end") ? atol(get(&f, "count_end")) : 0;
	if (!wd->scen || !wd->subj || !wd->impl || !ops_s || wd->threads < 1 ||
	    wd->threads > MAX_THREADS) {
		fprintf(stderr, PROG ": malformed result line %d in %s/results\n", i + 1, dir);
		return -1;
	}
	wd->ops = 0, wd->min = UINT64_MAX, wd->max = 0, wd->leader = 0, wd->nt = 0;
	for (char *s2 = NULL, *tok = strtok_r((char *)ops_s, ",", &s2); tok;
	     tok = strtok_r(NULL, ",", &s2), wd->nt++) {
		uint64_t d = strtoull(tok, NULL, 10);
		if (wd->nt == 0)
			wd->leader = d;
		wd->ops += d;
		wd->min = d < wd->min ? d : wd->min;
		wd->max = d > wd->max ? d : wd->max;
	}
	if (!strcmp(wd->scen, "spread"))
		snprintf(mods, sizeof(mods), "/modules:%lu", modules);
	snprintf(wd->name, sizeof(wd->name), "kernel-%s/%s/impl:%s/release:%s%s/manual_time/threads:%d",
		 wd->scen, wd->subj, wd->impl, release, mods, wd->threads);
	if (wd->nt != wd->threads || wd->ops == 0 || wd->window_ns / 1e9 <= 0) {
		fprintf(stderr, PROG ": %s: %d thread counts for %d threads, %llu operations in %.0f ns\n",
			wd->name, wd->nt, wd->threads, (unsigned long long)wd->ops, wd->window_ns);
		return -1;
	}
	return 0;
}

/* One window as a Google Benchmark entry (the @first, or after a comma). */
static void write_window(FILE *o, const struct kb_window *wd, bool first, int reps,
			 const char *release, const char *includes)
{
	double w = wd->window_ns / 1e9;
	bool exact = wd->cs == wd->ce;

	fputs(first ? "\n{\n" : ",\n{\n", o);
	json_kv(o, "name", wd->name, true);
	json_kv(o, "run_name", wd->name, true);
	json_kv(o, "run_type", "iteration", true);
	fprintf(o, "\"repetitions\": %d,\n\"repetition_index\": %d,\n\"threads\": %d,\n", reps,
		wd->rep, wd->threads);
	fprintf(o, "\"iterations\": %llu,\n", (unsigned long long)wd->leader);
	/* The case's own timings, when it made them: their mean. */
	double per_op = wd->timed_ns > 0 ? wd->timed_ns / (double)wd->ops :
					   wd->window_ns * wd->threads / (double)wd->ops;
	double iter = wd->timed_ns > 0 ? per_op : wd->window_ns / (double)wd->leader;
	fprintf(o, "\"real_time\": %.17g,\n\"cpu_time\": %.17g,\n", iter, iter);
	json_kv(o, "time_unit", "ns", true);
	fprintf(o, "\"ops\": %llu,\n", (unsigned long long)wd->ops);
	fprintf(o, "\"ops_per_sec\": %.17g,\n", (double)wd->ops / w);
	fprintf(o, "\"ns_per_op\": %.17g,\n", per_op);
	fprintf(o, "\"thread_ops_per_sec_min\": %.17g,\n", (double)wd->min / w);
	fprintf(o, "\"thread_ops_per_sec_max\": %.17g,\n", (double)wd->max / w);
	if (wd->max > 0)
		fprintf(o, "\"fairness\": %.17g,\n", (double)wd->min / (double)wd->max);
	fprintf(o, "\"window_ns\": %.17g,\n", wd->window_ns);
	if (wd->timed_ns > 0)
		fprintf(o, "\"timed_ns\": %.17g,\n", wd->timed_ns);
	json_kv(o, "refbench_timing", wd->timed_ns > 0 ?
		"each operation, from its call to the event the case names, timed by the module (ns_per_op: their mean)" :
		"the window over the operations done in it", true);
	if (wd->beside)
		json_kv(o, "refbench_kernel_beside", wd->beside, true);
	fprintf(o, "\"count_start\": %ld,\n\"count_end\": %ld,\n", wd->cs, wd->ce);
	if (!exact) {
		fputs("\"error_occurred\": true,\n", o);
		char msg[160];
		snprintf(msg, sizeof(msg), "count mismatch: %ld after the window, %ld before", wd->ce,
			 wd->cs);
		json_kv(o, "error_message", msg, true);
	}
	json_kv(o, "refbench_kernel_impl", wd->impl, true);
	json_kv(o, "refbench_kernel_reference", wd->ref, true);
	json_kv(o, "refbench_kernel_release", release, true);
	json_kv(o, "refbench_includes", includes, true);
	json_kv(o, "refbench_part", "kbench", false);
	fputs("}", o);
}

/* Close --out into place: 0, or 1 after a one-line error. */
static int close_out(FILE *o, const char *tmp, const char *out)
{
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
	return 0;
}

int main(int argc, char **argv)
{
	struct kb_args a = { .dir = "/sys/kernel/debug/refbench_kmod", .note = "", .do_run = true };
	struct kb_results r = { .run_status = -1, .reps = 1 };
	struct case_info ci[256];
	static char *lines[8192];
	char *cases, *res, tmp[4096];
	int nci, nres = 0, bad = 0, rc;
	const char *release;
	FILE *o = stdout;

	parse_args(argc, argv, &a);
	if ((rc = start_run(&a)) != 0)
		return rc;
	if (!(cases = read_file(a.dir, "cases")) || !(res = read_file(a.dir, "results")))
		return 3;
	nci = read_cases(cases, ci, 256);
	if (a.out) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", a.out);
		o = fopen(tmp, "w");
		if (!o) {
			fprintf(stderr, PROG ": cannot write %s: %s\n", tmp, strerror(errno));
			return 2;
		}
	}
	for (char *save = NULL, *line = strtok_r(res, "\n", &save); line && r.nlines < 8192;
	     line = strtok_r(NULL, "\n", &save))
		lines[r.nlines++] = line;
	r.lines = lines;
	if (!write_context(o, &a, &r)) {
		if (a.out)
			fclose(o), unlink(tmp);
		return 1;
	}
	release = get(&r.kf, "release") ? get(&r.kf, "release") : "unknown";
	for (int i = 0; i < r.nlines; i++) {
		struct kb_window wd;

		if (strncmp(lines[i], "result ", 7))
			continue;
		if (read_window(lines[i], i, a.dir, release, &wd) != 0) {
			bad++;
			continue;
		}
		if (wd.cs != wd.ce) {
			fprintf(stderr, PROG ": %s repetition %d: count %ld after the window, %ld before\n",
				wd.name, wd.rep, wd.ce, wd.cs);
			bad++;
		}
		write_window(o, &wd, nres++ == 0, r.reps, release,
			     includes_of(ci, nci, wd.scen, wd.subj));
	}
	fputs("\n]\n}\n", o);
	if (a.out && close_out(o, tmp, a.out) != 0)
		return 1;
	if (r.run_status != 0) {
		fprintf(stderr, PROG ": the module's last run ended with %d%s\n", r.run_status,
			r.run_status == -61 ? " (no run yet: leave out --no-run)" : "");
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
	free(r.kline);
	free(res);
	free(cases);
	return 0;
}
