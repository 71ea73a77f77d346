/*
 * placement_bind.c - a thread bound to its PU of a placement, checked, and a
 * placement as JSON (see placement.h).
 */
#define _GNU_SOURCE
#include "placement.h"
#include "errmsg.h"
#include "json.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Binding                                                                   */

int placement_bind_self(hwloc_topology_t topo, const struct placement *p, int i,
			char *err, size_t errlen)
{
	hwloc_bitmap_t want = NULL, got = NULL;
	int rc = -1, cpu = -1, os;
	char b[256];

	if (!topo || !p || i < 0 || i >= p->nr) {
		set_err(err, errlen, "thread %d has no PU in placement '%s' (accepted: 0-%d)",
		       i, p ? p->policy : "(none)", p ? p->nr - 1 : -1);
		return -1;
	}
	if (!hwloc_topology_is_thissystem(topo)) {
		set_err(err, errlen,
		       "topology loaded from %s is not this machine: placement can be "
		       "planned, not bound", placement_topology_source(topo));
		return -1;
	}
	os = p->cpu[i].os_index;
	want = hwloc_bitmap_alloc();
	got = hwloc_bitmap_alloc();
	if (!want || !got) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	hwloc_bitmap_only(want, (unsigned)os);
	if (hwloc_set_cpubind(topo, want, HWLOC_CPUBIND_THREAD)) {
		set_err(err, errlen, "thread %d: binding to PU OS index %d failed: %s",
		       i, os, strerror(errno));
		goto out;
	}
	if (hwloc_get_cpubind(topo, got, HWLOC_CPUBIND_THREAD)) {
		set_err(err, errlen, "thread %d: reading back the binding failed: %s",
		       i, strerror(errno));
		goto out;
	}
	if (!hwloc_bitmap_isequal(got, want)) {
		placement_list_snprintf(b, sizeof(b), got);
		set_err(err, errlen, "thread %d asked for PU OS index %d but is bound to %s",
		       i, os, b);
		goto out;
	}
	/* The kernel migrates the caller before sched_setaffinity returns;
	 * retry a few times in case a reading is stale. */
	for (int tries = 0; tries < 100; tries++) {
		if (hwloc_get_last_cpu_location(topo, got, HWLOC_CPUBIND_THREAD)) {
			set_err(err, errlen, "thread %d: hwloc_get_last_cpu_location failed: %s",
			       i, strerror(errno));
			goto out;
		}
		cpu = sched_getcpu();
		if (hwloc_bitmap_isequal(got, want) && cpu == os) {
			rc = 0;
			goto out;
		}
		sched_yield();
	}
	placement_list_snprintf(b, sizeof(b), got);
	set_err(err, errlen,
	       "thread %d is bound to PU OS index %d but runs on %s (sched_getcpu %d)",
	       i, os, b, cpu);
out:
	hwloc_bitmap_free(want);
	hwloc_bitmap_free(got);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */


static void json_int_or_null(FILE *f, const char *key, int v)
{
	if (v < 0)
		fprintf(f, ", \"%s\": null", key);
	else
		fprintf(f, ", \"%s\": %d", key, v);
}

void placement_write_json(FILE *f, const struct placement *p)
{
	fputs("{\"policy\": ", f);
	json_string(f, p->policy);
	fprintf(f, ", \"smt\": %s, \"nr\": %d, \"nr_nodes\": %d", p->smt ? "true" : "false",
		p->nr, p->nr_nodes);
	fputs(", \"indexes\": \"os_index is the OS PU number; pu_logical, core, package "
	      "and node are hwloc logical indexes\"", f);
	fputs(", \"cpus\": [", f);
	for (int i = 0; i < p->nr; i++) {
		const struct placement_cpu *c = &p->cpu[i];

		fprintf(f, "%s{\"thread\": %d, \"os_index\": %d, \"pu_logical\": %d", i ? ", " : "",
			i, c->os_index, c->pu_logical);
		json_int_or_null(f, "core", c->core);
		json_int_or_null(f, "package", c->package);
		json_int_or_null(f, "node", c->node);
		fputc('}', f);
	}
	fputs("]}", f);
}
