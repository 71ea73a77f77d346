/*
 * registry.c - the registry of scenarios, controls and baselines (loops.h),
 * generated from scenarios.def, controls.def and baselines.def: the list,
 * its JSON, and the registration of a run's benchmarks.
 */
#include "loops.h"
#include "json.h"
#include "scenarios.h"

#include <stdio.h>
#include <string.h>

#define SCENARIO(id) extern const struct loop_desc loop_##id;
#define CONTROL(id, file) extern const struct loop_desc loop_##id;
#define BASELINE(id) extern const struct loop_desc loop_##id;
#include "scenarios.def"
#include "controls.def"
#include "baselines.def"
#undef SCENARIO
#undef CONTROL
#undef BASELINE

#define SCENARIO(id) &loop_##id,
#define CONTROL(id, file) &loop_##id,
#define BASELINE(id) &loop_##id,
const struct loop_desc *const refbench_loops[] = {
#include "scenarios.def"
#include "controls.def"
#include "baselines.def"
	NULL,
};
#undef SCENARIO
#undef CONTROL
#undef BASELINE

#define SCHEME(id) &scenarios_##id,
const struct scheme_loops *const refbench_scheme_loops[] = {
#include "schemes.def"
	NULL,
};
#undef SCHEME

#define SCHEME(id) &scenarios_inline_##id,
const struct scheme_loops *const refbench_scheme_loops_inline[] = {
#include "schemes.def"
	NULL,
};
#undef SCHEME

const char *const codegen_names[CG_COUNT + 1] = { "kernel", "inline", "plain", NULL };

const char *loop_role_name(enum loop_role role)
{
	static const char *const names[] = { "scenario", "control", "baseline" };

	return names[role];
}

const struct loop_desc *loop_scenario(const char *name)
{
	for (int i = 0; refbench_loops[i]; i++)
		if (refbench_loops[i]->role == ROLE_SCENARIO && strcmp(refbench_loops[i]->name, name) == 0)
			return refbench_loops[i];
	return NULL;
}

bool loop_on(const struct loop_settings *s, const struct loop_desc *d)
{
	const struct loop_desc *sc;

	switch (d->role) {
	case ROLE_SCENARIO:
		return s->scenario_on[d->scenario];
	case ROLE_CONTROL:
		return s->controls_on;
	default:
		sc = loop_scenario(d->beside);
		return sc && s->scenario_on[sc->scenario];
	}
}

void loops_write_json(FILE *f)
{
	fprintf(f, "[");
	for (int i = 0; refbench_loops[i]; i++) {
		const struct loop_desc *d = refbench_loops[i];

		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		json_string(f, d->name);
		fprintf(f, ", \"role\": \"%s\", \"label\": ", loop_role_name(d->role));
		json_string(f, d->label);
		fprintf(f, ", \"claims\": [");
		for (int c = 0; d->claims[c]; c++) {
			fprintf(f, "%s", c ? ", " : "");
			json_string(f, d->claims[c]);
		}
		fprintf(f, "], \"source\": ");
		json_string(f, d->source);
		fprintf(f, "}");
	}
	fprintf(f, "]");
}

unsigned int loops_max_modules(const struct loop_settings *s)
{
	unsigned int m = 2;     /* one or two at a time, unless an entry says more */

	for (int i = 0; refbench_loops[i]; i++) {
		const struct loop_desc *d = refbench_loops[i];
		if (d->modules && loop_on(s, d) && d->modules(s) > m)
			m = d->modules(s);
	}
	return m;
}

const struct loop_option *loops_option(const char *flag)
{
	for (int i = 0; refbench_loops[i]; i++)
		for (const struct loop_option *o = refbench_loops[i]->options; o && o->flag; o++)
			if (strcmp(o->flag, flag) == 0)
				return o;
	return NULL;
}

void loops_write_options_help(FILE *f)
{
	for (int i = 0; refbench_loops[i]; i++)
		for (const struct loop_option *o = refbench_loops[i]->options; o && o->flag; o++)
			fputs(o->help, f);
}

void loops_release(void)
{
	for (int i = 0; refbench_loops[i]; i++)
		if (refbench_loops[i]->release)
			refbench_loops[i]->release();
}

/* Every selected scenario of every selected scheme, for one scheme table. */
static void register_table(const struct loop_settings *s, const bool *scheme_on,
			   const struct scheme_loops *const *t, struct wanted w)
{
	for (int k = 0; t[k]; k++) {
		if (!scheme_on[scheme_index(t[k]->scheme)])
			continue;
		for (int i = 0; refbench_loops[i]; i++) {
			const struct loop_desc *d = refbench_loops[i];
			if (d->role == ROLE_SCENARIO && loop_on(s, d))
				d->add_scheme(s, t[k], t[k]->loops[d->scenario], w);
		}
	}
}

void loops_register(const struct loop_settings *s, const bool *scheme_on)
{
	bool plain_used = false;

	/* The baselines first, then every scheme's scenarios, then the controls. */
	for (int i = 0; refbench_loops[i]; i++)
		if (refbench_loops[i]->role == ROLE_BASELINE && loop_on(s, refbench_loops[i]))
			refbench_loops[i]->add(s);
	for (int c = CG_KERNEL; c <= CG_INLINE; c++) {
		struct wanted w = { s->codegen_on[c], c == CG_KERNEL && s->codegen_on[CG_PLAIN] };

		if (w.own || w.plain)
			register_table(s, scheme_on, c == CG_KERNEL ? refbench_scheme_loops :
				       refbench_scheme_loops_inline, w);
	}
	for (int i = 0; refbench_loops[i]; i++) {
		const struct loop_desc *d = refbench_loops[i];
		if (d->role == ROLE_SCENARIO && loop_on(s, d) && refbench_scheme_loops[0] &&
		    refbench_scheme_loops[0]->loops[d->scenario]->plain)
			plain_used = true;
	}
	if (s->codegen_on[CG_PLAIN] && !plain_used) {
		char names[256] = "";
		size_t n = 0;

		for (int i = 0; refbench_loops[i]; i++) {
			const struct loop_desc *d = refbench_loops[i];
			if (d->role == ROLE_SCENARIO && refbench_scheme_loops[0] &&
			    refbench_scheme_loops[0]->loops[d->scenario]->plain && n < sizeof(names))
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
						      n ? ", " : "", d->name);
		}
		fprintf(stderr, "refbench: --codegen=plain applies to %s only, which this run "
			"does not have (--scenario)\n", names);
	}
	for (int i = 0; refbench_loops[i]; i++)
		if (refbench_loops[i]->role == ROLE_CONTROL && loop_on(s, refbench_loops[i]))
			refbench_loops[i]->add(s);
}
