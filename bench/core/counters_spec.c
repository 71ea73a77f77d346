/*
 * counters_spec.c - which events a run counts: the built-in event table
 * (cycles, instructions, cache, dTLB and NUMA events, software events) and
 * the --counters list ('all', 'none', names, raw:0xNNNN=name), parsed into a
 * counters_config with one-line errors (counters.h).  Opening, probing and
 * reading the events is counters.c.
 */
#define _GNU_SOURCE
#include "counters.h"
#include "errmsg.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_CFG(id, op, res) \
	((uint64_t)(id) | ((uint64_t)(op) << 8) | ((uint64_t)(res) << 16))

struct builtin {
	const char *name;
	enum counters_kind kind;
	uint32_t type;
	uint64_t config;
	bool exclude_kernel;
};

static const struct builtin builtins[] = {
	{ "cycles", COUNTERS_KIND_HARDWARE, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, true },
	{ "instructions", COUNTERS_KIND_HARDWARE, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS,
	  true },
	{ "l1d_load_misses", COUNTERS_KIND_CACHE, PERF_TYPE_HW_CACHE,
	  CACHE_CFG(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ,
		    PERF_COUNT_HW_CACHE_RESULT_MISS),
	  true },
	{ "llc_misses", COUNTERS_KIND_HARDWARE, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES,
	  true },
	{ "dtlb_load_misses", COUNTERS_KIND_CACHE, PERF_TYPE_HW_CACHE,
	  CACHE_CFG(PERF_COUNT_HW_CACHE_DTLB, PERF_COUNT_HW_CACHE_OP_READ,
		    PERF_COUNT_HW_CACHE_RESULT_MISS),
	  true },
	{ "node_loads", COUNTERS_KIND_CACHE, PERF_TYPE_HW_CACHE,
	  CACHE_CFG(PERF_COUNT_HW_CACHE_NODE, PERF_COUNT_HW_CACHE_OP_READ,
		    PERF_COUNT_HW_CACHE_RESULT_ACCESS),
	  true },
	{ "node_load_misses", COUNTERS_KIND_CACHE, PERF_TYPE_HW_CACHE,
	  CACHE_CFG(PERF_COUNT_HW_CACHE_NODE, PERF_COUNT_HW_CACHE_OP_READ,
		    PERF_COUNT_HW_CACHE_RESULT_MISS),
	  true },
	{ "page_faults", COUNTERS_KIND_SOFTWARE, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS,
	  true },
	/* recorded in kernel context: a user-only counter would always read 0 */
	{ "context_switches", COUNTERS_KIND_SOFTWARE, PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_CONTEXT_SWITCHES, false },
	{ "cpu_migrations", COUNTERS_KIND_SOFTWARE, PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_CPU_MIGRATIONS, false },
};
#define NBUILTINS ((int)(sizeof(builtins) / sizeof(builtins[0])))

static const char accepted_names[] =
	"cycles, instructions, l1d_load_misses, llc_misses, dtlb_load_misses, node_loads, "
	"node_load_misses, page_faults, context_switches, cpu_migrations";

const char *counters_event_names(void)
{
	return accepted_names;
}


/* ------------------------------------------------------------------ parse */

static int find_event(const struct counters_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n; i++)
		if (strcmp(cfg->ev[i].name, name) == 0)
			return i;
	return -1;
}

static int add_builtin(struct counters_config *cfg, const struct builtin *b, bool explicit_req,
		       char *err, size_t errlen)
{
	int i = find_event(cfg, b->name);

	if (i >= 0) {
		if (explicit_req && cfg->ev[i].explicit_request) {
			set_err(err, errlen, "counter event '%s' listed twice", b->name);
			return -1;
		}
		cfg->ev[i].explicit_request |= explicit_req;
		return 0;
	}
	if (cfg->n >= COUNTERS_MAX_EVENTS) {
		set_err(err, errlen, "too many counter events (at most %d)", COUNTERS_MAX_EVENTS);
		return -1;
	}
	struct counters_event *e = &cfg->ev[cfg->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", b->name);
	e->kind = b->kind;
	e->type = b->type;
	e->config = b->config;
	e->exclude_kernel = b->exclude_kernel;
	e->explicit_request = explicit_req;
	return 0;
}

static bool is_builtin_name(const char *name)
{
	for (int i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return true;
	return false;
}

/* item is "raw:0xNNNN=name" */
static int add_raw(struct counters_config *cfg, const char *item, char *err, size_t errlen)
{
	const char *p = item + 4;
	const char *eq = strchr(p, '=');
	char *end;
	uint64_t config;
	const char *name;
	size_t nl;

	if (!eq || strncmp(p, "0x", 2) != 0 || eq == p + 2 || eq - (p + 2) > 16)
		goto bad;
	errno = 0;
	config = strtoull(p + 2, &end, 16);
	if (errno || end != eq)
		goto bad;
	name = eq + 1;
	nl = strlen(name);
	if (nl == 0 || nl >= COUNTERS_NAME_MAX)
		goto bad;
	for (size_t k = 0; k < nl; k++) {
		char c = name[k];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			goto bad;
	}
	if (is_builtin_name(name) || strcmp(name, "all") == 0 || strcmp(name, "none") == 0) {
		set_err(err, errlen, "raw counter event '%s': name '%s' is taken by a built-in event",
			item, name);
		return -1;
	}
	if (find_event(cfg, name) >= 0) {
		set_err(err, errlen, "counter event '%s' listed twice", name);
		return -1;
	}
	if (cfg->n >= COUNTERS_MAX_EVENTS) {
		set_err(err, errlen, "too many counter events (at most %d)", COUNTERS_MAX_EVENTS);
		return -1;
	}
	struct counters_event *e = &cfg->ev[cfg->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->kind = COUNTERS_KIND_RAW;
	e->type = PERF_TYPE_RAW;
	e->config = config;
	e->exclude_kernel = true;
	e->explicit_request = true;
	return 0;
bad:
	set_err(err, errlen,
		"bad raw counter event '%s': expected raw:0xHEX=name (1-16 hex digits; name of "
		"a-z, 0-9, _)",
		item);
	return -1;
}

int counters_parse(const char *spec, struct counters_config *cfg, char *err, size_t errlen)
{
	char buf[1024];
	char *item, *next;

	memset(cfg, 0, sizeof(*cfg));
	cfg->paranoid = PARANOID_UNKNOWN;
	if (!spec)
		spec = "all";
	if (strlen(spec) >= sizeof(buf)) {
		set_err(err, errlen, "counter list too long (%zu characters, at most %zu)",
			strlen(spec), sizeof(buf) - 1);
		return -1;
	}
	if (strcmp(spec, "none") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", spec);

	for (item = buf; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (*item == '\0') {
			set_err(err, errlen,
				"empty item in counter list '%s'; accepted: all, none, or a comma list "
				"of %s, raw:0xHEX=name",
				spec, accepted_names);
			goto fail;
		}
		if (strcmp(item, "all") == 0) {
			for (int i = 0; i < NBUILTINS; i++)
				if (add_builtin(cfg, &builtins[i], false, err, errlen))
					goto fail;
			continue;
		}
		if (strcmp(item, "none") == 0) {
			set_err(err, errlen, "counter list '%s': 'none' cannot be combined with events",
				spec);
			goto fail;
		}
		if (strncmp(item, "raw:", 4) == 0) {
			if (add_raw(cfg, item, err, errlen))
				goto fail;
			continue;
		}
		int b;
		for (b = 0; b < NBUILTINS; b++)
			if (strcmp(builtins[b].name, item) == 0)
				break;
		if (b == NBUILTINS) {
			set_err(err, errlen,
				"unknown counter event '%s'; accepted: all, none, or a comma list of %s, "
				"raw:0xHEX=name",
				item, accepted_names);
			goto fail;
		}
		if (add_builtin(cfg, &builtins[b], true, err, errlen))
			goto fail;
	}
	return 0;
fail:
	cfg->n = 0;
	return -1;
}

