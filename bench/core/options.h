/*
 * options.h - the options the lab's programs share, each declared once:
 * its flag (and another spelling still accepted), what it takes, the
 * limits it is checked against, its help.  A program lists the options it
 * takes with where each value goes (struct opt_use) and opt_parse() reads
 * its arguments; a value refused is one line naming it and what is
 * accepted, and exit status 2.  refbench's own parser (bench/progs/cli.c) checks
 * the same options through opt_value().
 */
#ifndef REFBENCH_OPTIONS_H
#define REFBENCH_OPTIONS_H

#include <stdbool.h>

enum opt_kind {
	OPT_SWITCH,      /* no value; dest: bool */
	OPT_UINT,        /* a whole number in lo..hi; dest: unsigned int */
	OPT_CACHE_LINE,      /* a cache-line size, 64 or 128; dest: unsigned int */
	OPT_SCHEMES,     /* a comma list of scheme names; dest: bool[scheme_count()] */
	OPT_CHOICE,      /* one of choices; dest: const char * */
	OPT_TEXT,        /* any text but empty; dest: const char * */
};

struct opt_def {
	const char *flag;              /* "--nr-cpus" */
	const char *alias;             /* another spelling accepted, or NULL */
	enum opt_kind kind;
	unsigned long lo, hi;          /* OPT_UINT: the accepted range */
	const char *const *choices;    /* OPT_CHOICE: NULL-terminated */
	const char *arg;               /* the value in help text: "N", "LIST" */
	const char *help;
};

/* The shared options. */
extern const struct opt_def OPT_SCHEME;        /* --scheme=LIST (also --schemes) */
extern const struct opt_def OPT_NR_CPUS;       /* --nr-cpus: NR_CPUS, 1 to REFBENCH_NR_CPUS_MAX */
extern const struct opt_def OPT_NR_CPU_IDS;    /* --nr-cpu-ids: possible CPUs, the same range */
extern const struct opt_def OPT_LINE;          /* --line: 64 or 128 */
extern const struct opt_def OPT_MODULES;       /* --modules */
extern const struct opt_def OPT_FORMAT;        /* --format: table or json */
extern const struct opt_def OPT_OUT;           /* --out: a file */
extern const struct opt_def OPT_JSON;          /* --json */

/* A list of numbers (an option taken as a comma list). */
struct opt_uints {
	unsigned int *v;
	int n, max;
};

/* One option as a program takes it. */
struct opt_use {
	const struct opt_def *def;
	void *dest;                    /* see enum opt_kind; a list: struct opt_uints */
	bool list;                     /* OPT_UINT taken as a comma list */
	const char *help;              /* this program's help, or NULL: the option's */
};

/* Parse @argv by @uses (ended by a NULL def): --help or -h prints @usage
 * and the options' help and exits 0; anything refused exits 2. */
void opt_parse(const char *prog, const char *usage, const struct opt_use *uses, int argc,
	       char **argv);

/* @val of option @d (OPT_UINT or OPT_CACHE_LINE), checked against its limits; refused: one line
 * "<prog>: <flag> value '<val>' not accepted (accepted: ...)", exit 2. */
unsigned long opt_value(const char *prog, const struct opt_def *d, const char *val);

/* A whole number in lo..hi for @flag, or a comma list of them into @out (at most
 * @max; "none": the empty list); refused as opt_value() refuses. */
unsigned long opt_uint_range(const char *prog, const char *flag, const char *val,
			     unsigned long lo, unsigned long hi);
int opt_uint_list(const char *prog, const char *flag, const char *val, unsigned int *out,
		  int max, unsigned long lo, unsigned long hi);

/* Is @flag @d's flag or its alias? */
bool opt_is(const struct opt_def *d, const char *flag);

/* One line "<prog>: <what> '<val>' not accepted (accepted: <accepted>)", exit 2. */
void opt_refuse(const char *prog, const char *what, const char *val, const char *accepted)
	__attribute__((noreturn));

#endif
