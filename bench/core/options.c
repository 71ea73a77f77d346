/*
 * options.c - the shared options and their one parser (options.h).
 */
#include "options.h"
#include "compat.h"
#include "lab_setup.h"
#include "scheme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct opt_def OPT_SCHEME = {
	"--scheme", "--schemes", OPT_SCHEMES, 0, 0, NULL, "LIST",
	"schemes, a comma list of --list-schemes names (default all)",
};
const struct opt_def OPT_NR_CPUS = {
	"--nr-cpus", NULL, OPT_UINT, 1, REFBENCH_NR_CPUS_MAX, NULL, "N",
	"NR_CPUS of the models",
};
const struct opt_def OPT_NR_CPU_IDS = {
	"--nr-cpu-ids", NULL, OPT_UINT, 1, REFBENCH_NR_CPUS_MAX, NULL, "N",
	"possible CPUs (nr_cpu_ids) the per-CPU areas are laid out for",
};
const struct opt_def OPT_LINE = {
	"--line", NULL, OPT_CACHE_LINE, 64, 128, NULL, "64|128",
	"cache-line size of ____cacheline_aligned (default 128)",
};
const struct opt_def OPT_MODULES = {
	"--modules", NULL, OPT_UINT, 1, 1000000, NULL, "N", "modules loaded (default 2000)",
};
static const char *const formats[] = { "table", "json", NULL };
const struct opt_def OPT_FORMAT = {
	"--format", NULL, OPT_CHOICE, 0, 0, formats, "table|json", "what is printed",
};
const struct opt_def OPT_OUT = {
	"--out", NULL, OPT_TEXT, 0, 0, NULL, "FILE", "JSON into FILE (written atomically)",
};
const struct opt_def OPT_JSON = {
	"--json", NULL, OPT_SWITCH, 0, 0, NULL, NULL, "JSON instead of text",
};

void opt_refuse(const char *prog, const char *what, const char *val, const char *accepted)
{
	fprintf(stderr, "%s: %s '%s' not accepted (accepted: %s)\n", prog, what, val, accepted);
	exit(2);
}

bool opt_is(const struct opt_def *d, const char *flag)
{
	return strcmp(d->flag, flag) == 0 || (d->alias && strcmp(d->alias, flag) == 0);
}

unsigned long opt_value(const char *prog, const struct opt_def *d, const char *val)
{
	char what[80], accepted[64];
	unsigned long v;

	snprintf(what, sizeof(what), "%s value", d->flag);
	if (d->kind == OPT_CACHE_LINE) {
		if (!lab_parse_uint(val, 64, 128, &v) || (v != 64 && v != 128))
			opt_refuse(prog, what, val, "64 or 128");
		return v;
	}
	if (!lab_parse_uint(val, d->lo, d->hi, &v)) {
		snprintf(accepted, sizeof(accepted), "%lu to %lu", d->lo, d->hi);
		opt_refuse(prog, what, val, accepted);
	}
	return v;
}

unsigned long opt_uint_range(const char *prog, const char *flag, const char *val,
			     unsigned long lo, unsigned long hi)
{
	char what[80], accepted[64];
	unsigned long v;

	if (!lab_parse_uint(val, lo, hi, &v)) {
		snprintf(what, sizeof(what), "%s value", flag);
		snprintf(accepted, sizeof(accepted), "%lu to %lu", lo, hi);
		opt_refuse(prog, what, val, accepted);
	}
	return v;
}

int opt_uint_list(const char *prog, const char *flag, const char *val, unsigned int *out,
		  int max, unsigned long lo, unsigned long hi)
{
	char buf[512], *save = NULL;
	int n = 0;

	if (strlen(val) >= sizeof(buf)) {
		fprintf(stderr, "%s: %s: the list is longer than %zu characters\n", prog, flag,
			sizeof(buf) - 1);
		exit(2);
	}
	snprintf(buf, sizeof(buf), "%s", val);
	if (strcmp(val, "none") == 0)
		return 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			fprintf(stderr, "%s: %s has more than %d entries\n", prog, flag, max);
			exit(2);
		}
		out[n++] = (unsigned int)opt_uint_range(prog, flag, t, lo, hi);
	}
	return n;
}

/* A comma list of @d's values into @l. */
static void take_list(const char *prog, const struct opt_def *d, const char *val,
		      struct opt_uints *l)
{
	char buf[512], *save = NULL, what[80];
	size_t n = strlen(val);

	if (n >= sizeof(buf) || val[0] == ',' || val[n - 1] == ',' || strstr(val, ",,"))
		opt_refuse(prog, d->flag, val, "a comma list of numbers, no entry empty");
	snprintf(buf, sizeof(buf), "%s", val);
	l->n = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (l->n == l->max) {
			snprintf(what, sizeof(what), "at most %d values", l->max);
			opt_refuse(prog, d->flag, val, what);
		}
		l->v[l->n++] = (unsigned int)opt_value(prog, d, t);
	}
}

/* Option @u with its value @val (NULL: none given). */
static void take(const char *prog, const struct opt_use *u, const char *val)
{
	const struct opt_def *d = u->def;
	char err[1024], what[80];

	snprintf(what, sizeof(what), "%s value", d->flag);
	if (d->kind == OPT_SWITCH) {
		if (val)
			opt_refuse(prog, what, val, "none: it is a switch");
		*(bool *)u->dest = true;
		return;
	}
	if (!val || !*val) {
		fprintf(stderr, "%s: %s needs a value (%s=%s)\n", prog, d->flag, d->flag, d->arg);
		exit(2);
	}
	switch (d->kind) {
	case OPT_UINT:
	case OPT_CACHE_LINE:
		if (u->list)
			take_list(prog, d, val, u->dest);
		else
			*(unsigned int *)u->dest = (unsigned int)opt_value(prog, d, val);
		break;
	case OPT_SCHEMES:
		if (lab_parse_schemes(val, u->dest, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			exit(2);
		}
		break;
	case OPT_CHOICE:
		for (int i = 0; d->choices[i]; i++)
			if (strcmp(d->choices[i], val) == 0) {
				*(const char **)u->dest = d->choices[i];
				return;
			}
		opt_refuse(prog, what, val, d->arg);
	default:
		*(const char **)u->dest = val;
		break;
	}
}

static void print_help(const char *usage, const struct opt_use *uses)
{
	printf("%s", usage);
	for (int i = 0; uses[i].def; i++) {
		const struct opt_def *d = uses[i].def;
		char left[64];

		snprintf(left, sizeof(left), "%s%s%s%s", d->flag, d->arg ? "=" : "",
			 d->arg ? d->arg : "", uses[i].list ? ",..." : "");
		printf("  %-22s %s\n", left, uses[i].help ? uses[i].help : d->help);
	}
}

void opt_parse(const char *prog, const char *usage, const struct opt_use *uses, int argc,
	       char **argv)
{
	for (int i = 1; i < argc; i++) {
		char flag[64], accepted[512];
		const char *val = strchr(argv[i], '=');
		size_t n = 0;
		int k;

		snprintf(flag, sizeof(flag), "%.*s", val ? (int)(val - argv[i]) : 63, argv[i]);
		if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
			print_help(usage, uses);
			exit(0);
		}
		for (k = 0; uses[k].def && !opt_is(uses[k].def, flag); k++)
			;
		if (uses[k].def) {
			take(prog, &uses[k], val ? val + 1 : NULL);
			continue;
		}
		for (k = 0; uses[k].def && n < sizeof(accepted); k++)
			n += (size_t)snprintf(accepted + n, sizeof(accepted) - n, "%s%s", k ? ", " : "",
					      uses[k].def->flag);
		fprintf(stderr, "%s: unknown option '%s' (accepted: %s)\n", prog, argv[i], accepted);
		exit(2);
	}
}
