/*
 * placement.c - thread placement on hwloc topologies (see placement.h): the
 * PUs a policy picks and in what order, and the default thread counts;
 * binding a thread and the JSON of a placement are in placement_bind.c.
 */
#define _GNU_SOURCE
#include "placement.h"
#include "errmsg.h"
#include "json.h"
#include "location.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ACCEPTED_POLICIES LOCATION_ACCEPTED

/* ------------------------------------------------------------------------ */
/* PU records                                                                */

/* Logical index of the NUMA node whose cpuset contains the PU (smallest such
 * cpuset, then lowest logical index), -1 if none. */
static int pu_node(hwloc_topology_t t, unsigned os_index)
{
	hwloc_obj_t n = NULL;
	int best = -1, bestw = INT_MAX;

	while ((n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, n))) {
		int w;

		if (!n->cpuset || !hwloc_bitmap_isset(n->cpuset, os_index))
			continue;
		w = hwloc_bitmap_weight(n->cpuset);
		if (w >= 0 && w < bestw) {
			bestw = w;
			best = (int)n->logical_index;
		}
	}
	return best;
}

static void pu_record(hwloc_topology_t t, hwloc_obj_t pu, struct placement_cpu *c)
{
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu);
	hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, pu);

	c->os_index = (int)pu->os_index;
	c->pu_logical = (int)pu->logical_index;
	c->core = core ? (int)core->logical_index : -1;
	c->package = pkg ? (int)pkg->logical_index : -1;
	c->node = pu_node(t, pu->os_index);
}

/* PUs the process may use: see placement.h. */
static hwloc_bitmap_t usable_cpuset(hwloc_topology_t t)
{
	hwloc_bitmap_t u = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(t));

	if (!u)
		return NULL;
	hwloc_bitmap_and(u, u, hwloc_topology_get_allowed_cpuset(t));
	if (hwloc_topology_is_thissystem(t)) {
		hwloc_bitmap_t b = hwloc_bitmap_alloc();

		if (b && hwloc_get_cpubind(t, b, HWLOC_CPUBIND_PROCESS) == 0)
			hwloc_bitmap_and(u, u, b);
		hwloc_bitmap_free(b);
	}
	return u;
}

/*
 * Candidate PUs in logical order, grouped into cores: unit k is
 * pus[ustart[k] .. ustart[k] + ucount[k] - 1].  A PU without a Core ancestor
 * is a unit of its own.
 */
struct cands {
	struct placement_cpu *pus;
	int npus;
	int *ustart, *ucount;
	int nunits;
};

static void cands_free(struct cands *c)
{
	free(c->pus);
	free(c->ustart);
	free(c->ucount);
	memset(c, 0, sizeof(*c));
}

static int cands_collect(hwloc_topology_t t, hwloc_const_bitmap_t set, struct cands *c)
{
	int max = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	hwloc_obj_t pu = NULL;

	memset(c, 0, sizeof(*c));
	if (max <= 0)
		return 0;
	c->pus = calloc((size_t)max, sizeof(*c->pus));
	c->ustart = calloc((size_t)max, sizeof(int));
	c->ucount = calloc((size_t)max, sizeof(int));
	if (!c->pus || !c->ustart || !c->ucount) {
		cands_free(c);
		return -1;
	}
	while ((pu = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PU, pu)) && c->npus < max) {
		struct placement_cpu *r = &c->pus[c->npus];

		if (!hwloc_bitmap_isset(set, pu->os_index))
			continue;
		pu_record(t, pu, r);
		if (c->nunits && r->core >= 0 && c->pus[c->npus - 1].core == r->core) {
			c->ucount[c->nunits - 1]++;
		} else {
			c->ustart[c->nunits] = c->npus;
			c->ucount[c->nunits] = 1;
			c->nunits++;
		}
		c->npus++;
	}
	return 0;
}

/*
 * Round-robin interleave: items are grouped by key (groups in ascending key
 * order, items keep their order inside a group), then one item is taken from
 * each group in turn.
 */
static int interleave(int *items, int n, const int *key_of)
{
	int *keys = malloc((size_t)n * sizeof(int));
	int *pos = malloc((size_t)n * sizeof(int));
	int *out = malloc((size_t)n * sizeof(int));
	int ng = 0, filled = 0;

	if (!keys || !pos || !out) {
		free(keys);
		free(pos);
		free(out);
		return -1;
	}
	/* distinct keys, ascending (insertion sort: few groups) */
	for (int i = 0; i < n; i++) {
		int k = key_of[items[i]], j;

		for (j = 0; j < ng && keys[j] != k; j++)
			;
		if (j < ng)
			continue;
		for (j = ng; j > 0 && keys[j - 1] > k; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
		ng++;
	}
	for (int g = 0; g < ng; g++)
		pos[g] = 0;
	while (filled < n) {
		for (int g = 0; g < ng; g++) {
			int i = pos[g];

			while (i < n && key_of[items[i]] != keys[g])
				i++;
			if (i < n) {
				out[filled++] = items[i];
				i++;
			}
			pos[g] = i;
		}
	}
	memcpy(items, out, (size_t)n * sizeof(int));
	free(keys);
	free(pos);
	free(out);
	return 0;
}

/* Scatter order of the units of c: writes a permutation of 0..nunits-1. */
static int scatter_order(const struct cands *c, int *order)
{
	int nu = c->nunits, maxnode = 0, nn = 0, rc = -1;
	int *unode = malloc((size_t)nu * sizeof(int));
	int *upkg = malloc((size_t)nu * sizeof(int));
	int *nodes = NULL, *nodepkg = NULL, *rank = NULL, *urank = NULL;

	if (!unode || !upkg)
		goto out;
	for (int u = 0; u < nu; u++) {
		const struct placement_cpu *p = &c->pus[c->ustart[u]];

		unode[u] = p->node;  /* -1 only without NUMA nodes: one group */
		upkg[u] = p->package;
		if (p->node > maxnode)
			maxnode = p->node;
	}
	/* node ids are shifted by one so that -1 indexes slot 0 */
	nodes = malloc((size_t)(maxnode + 2) * sizeof(int));
	nodepkg = malloc((size_t)(maxnode + 2) * sizeof(int));
	rank = malloc((size_t)(maxnode + 2) * sizeof(int));
	urank = malloc((size_t)nu * sizeof(int));
	if (!nodes || !nodepkg || !rank || !urank)
		goto out;
	for (int i = 0; i < maxnode + 2; i++) {
		nodepkg[i] = INT_MAX;
		rank[i] = -1;
	}
	for (int u = 0; u < nu; u++) {
		int s = unode[u] + 1;

		if (nodepkg[s] == INT_MAX)
			nodes[nn++] = s;
		if (upkg[u] < nodepkg[s])
			nodepkg[s] = upkg[u];
	}
	/* nodes in ascending logical order, then interleaved across packages */
	for (int i = 1; i < nn; i++)
		for (int j = i; j > 0 && nodes[j - 1] > nodes[j]; j--) {
			int x = nodes[j];

			nodes[j] = nodes[j - 1];
			nodes[j - 1] = x;
		}
	if (interleave(nodes, nn, nodepkg))
		goto out;
	for (int i = 0; i < nn; i++)
		rank[nodes[i]] = i;

	/* units sorted by node rank (stable), each node's units interleaved
	 * across packages, then everything interleaved across nodes */
	for (int u = 0; u < nu; u++)
		urank[u] = rank[unode[u] + 1];
	{
		int k = 0;

		for (int r = 0; r < nn; r++) {
			int start = k;

			for (int u = 0; u < nu; u++)
				if (urank[u] == r)
					order[k++] = u;
			if (interleave(order + start, k - start, upkg))
				goto out;
		}
	}
	if (interleave(order, nu, urank))
		goto out;
	rc = 0;
out:
	free(unode);
	free(upkg);
	free(nodes);
	free(nodepkg);
	free(rank);
	free(urank);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Building                                                                  */

void placement_list_snprintf(char *buf, size_t len, hwloc_const_bitmap_t b)
{
	if (hwloc_bitmap_list_snprintf(buf, len, b) < 0)
		snprintf(buf, len, "?");
}

enum policy_kind { COMPACT, SCATTER, LOCATION };

/* Which policy @policy is; -1 with the reason when none. */
static int policy_kind(const char *policy, size_t max, char *err, size_t errlen)
{
	if (!policy || !*policy) {
		set_err(err, errlen, "empty placement (accepted: " ACCEPTED_POLICIES ")");
		return -1;
	}
	if (strlen(policy) >= max) {
		set_err(err, errlen, "placement '%.40s...' is too long (accepted: at most %zu characters)",
		       policy, max - 1);
		return -1;
	}
	if (!strcmp(policy, "compact"))
		return COMPACT;
	if (!strcmp(policy, "scatter"))
		return SCATTER;
	if (strchr(policy, ':'))
		return LOCATION;
	set_err(err, errlen, "unknown placement '%s' (accepted: " ACCEPTED_POLICIES ")", policy);
	return -1;
}

/* The PUs a location list names, all of them usable by this process. */
static int location_pus(hwloc_topology_t topo, const char *policy, hwloc_const_bitmap_t usable,
			hwloc_bitmap_t set, bool *any_pu, char *err, size_t errlen)
{
	hwloc_bitmap_t bad;
	char b1[256], b2[256];

	if (location_list_parse(topo, policy, set, any_pu, err, errlen))
		return -1;
	if (hwloc_bitmap_iszero(set)) {
		set_err(err, errlen, "location '%s' names no PUs (accepted: " ACCEPTED_POLICIES ")",
		       policy);
		return -1;
	}
	if (hwloc_bitmap_isincluded(set, usable))
		return 0;
	bad = hwloc_bitmap_alloc();
	if (!bad) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	hwloc_bitmap_andnot(bad, set, usable);
	placement_list_snprintf(b1, sizeof(b1), bad);
	placement_list_snprintf(b2, sizeof(b2), usable);
	hwloc_bitmap_free(bad);
	set_err(err, errlen,
	       "location '%s' names PUs with OS index %s outside this "
	       "process's allowed CPUs (accepted: PUs with OS index %s, "
	       "from the process binding/taskset and cgroup)", policy, b1, b2);
	return -1;
}

/* Without smt, a location that names PUs may name one per core only. */
static int refuse_siblings(const struct cands *c, const char *policy, char *err, size_t errlen)
{
	for (int u = 0; u < c->nunits; u++) {
		if (c->ucount[u] > 1) {
			const struct placement_cpu *p = &c->pus[c->ustart[u]];

			set_err(err, errlen,
			       "location '%s' names %d PUs of core %d (SMT siblings, "
			       "OS index %d and %d); accepted without smt: one PU "
			       "per core (or ask for smt)",
			       policy, c->ucount[u], p->core, p->os_index, p[1].os_index);
			return -1;
		}
	}
	return 0;
}

/* The placement's CPUs in order: scatter round-robins the cores' PUs. */
static void fill_cpus(const struct cands *c, const int *order, int kind, bool smt,
		      struct placement *out)
{
	if (kind == SCATTER) {
		/* first PU of every core in scatter order, then the second ... */
		int maxc = 1;

		if (smt)
			for (int u = 0; u < c->nunits; u++)
				if (c->ucount[u] > maxc)
					maxc = c->ucount[u];
		for (int j = 0; j < maxc; j++)
			for (int k = 0; k < c->nunits; k++)
				if (j < c->ucount[order[k]])
					out->cpu[out->nr++] = c->pus[c->ustart[order[k]] + j];
	} else {
		/* compact / location: logical order, siblings together */
		for (int u = 0; u < c->nunits; u++)
			for (int j = 0; j < (smt ? c->ucount[u] : 1); j++)
				out->cpu[out->nr++] = c->pus[c->ustart[u] + j];
	}
	for (int i = 0; i < out->nr; i++) {
		int j;

		for (j = 0; j < i && out->cpu[j].node != out->cpu[i].node; j++)
			;
		if (j == i)
			out->nr_nodes++;
	}
}

int placement_build(hwloc_topology_t topo, const char *policy, bool smt,
		    struct placement *out, char *err, size_t errlen)
{
	hwloc_bitmap_t usable = NULL, set = NULL;
	struct cands c = { 0 };
	int *order = NULL, rc = -1, kind;
	bool any_pu = false;

	if (!out) {
		set_err(err, errlen, "placement_build: no output placement given");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (!topo) {
		set_err(err, errlen, "placement_build: no topology given");
		return -1;
	}
	if ((kind = policy_kind(policy, sizeof(out->policy), err, errlen)) < 0)
		return -1;
	usable = usable_cpuset(topo);
	set = hwloc_bitmap_alloc();
	if (!usable || !set) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	if (kind == LOCATION) {
		if (location_pus(topo, policy, usable, set, &any_pu, err, errlen))
			goto out;
	} else {
		hwloc_bitmap_copy(set, usable);
	}
	if (cands_collect(topo, set, &c)) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	if (c.npus == 0) {
		char b[256];

		placement_list_snprintf(b, sizeof(b), usable);
		set_err(err, errlen, "placement '%s' has no usable PUs (usable OS indexes: %s)",
		       policy, b);
		goto out;
	}
	if (kind == LOCATION && any_pu && !smt && refuse_siblings(&c, policy, err, errlen))
		goto out;
	order = malloc((size_t)c.nunits * sizeof(int));
	out->cpu = calloc((size_t)c.npus, sizeof(*out->cpu));
	if (!order || !out->cpu) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	for (int u = 0; u < c.nunits; u++)
		order[u] = u;
	if (kind == SCATTER && scatter_order(&c, order)) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	fill_cpus(&c, order, kind, smt, out);
	snprintf(out->policy, sizeof(out->policy), "%s", policy);
	out->smt = smt;
	rc = 0;
out:
	if (rc) {
		free(out->cpu);
		memset(out, 0, sizeof(*out));
	}
	free(order);
	cands_free(&c);
	hwloc_bitmap_free(usable);
	hwloc_bitmap_free(set);
	return rc;
}

void placement_free(struct placement *p)
{
	if (!p)
		return;
	free(p->cpu);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------------ */
/* Thread counts                                                             */

/* Largest number of equal keys; keys are logical indexes or -1. */
static int max_per_key(const int *keys, int n)
{
	int maxk = -1, best = 0, *cnt;

	for (int i = 0; i < n; i++)
		if (keys[i] > maxk)
			maxk = keys[i];
	cnt = calloc((size_t)maxk + 2, sizeof(int));
	if (!cnt)
		return n;
	for (int i = 0; i < n; i++)
		if (++cnt[keys[i] + 1] > best)
			best = cnt[keys[i] + 1];
	free(cnt);
	return best;
}

int placement_default_threads(hwloc_topology_t topo, const struct placement *p,
			      int *counts, int max_counts)
{
	hwloc_bitmap_t usable;
	struct cands c;
	int cand[5], nc = 0, n = 0, units = 0;
	int *nodes = NULL, *pkgs = NULL;
	bool have_pkg = false;

	if (!topo || !p || p->nr < 1 || !counts || max_counts < 1)
		return -1;
	usable = usable_cpuset(topo);
	if (!usable || cands_collect(topo, usable, &c)) {
		hwloc_bitmap_free(usable);
		return -1;
	}
	hwloc_bitmap_free(usable);
	nodes = calloc((size_t)(c.npus > 0 ? c.npus : 1), sizeof(int));
	pkgs = calloc((size_t)(c.npus > 0 ? c.npus : 1), sizeof(int));
	if (!nodes || !pkgs) {
		free(nodes);
		free(pkgs);
		cands_free(&c);
		return -1;
	}
	/* one key per unit: a core, or a PU with smt */
	for (int u = 0; u < c.nunits; u++)
		for (int j = 0; j < (p->smt ? c.ucount[u] : 1); j++) {
			const struct placement_cpu *r = &c.pus[c.ustart[u] + j];

			nodes[units] = r->node;
			pkgs[units] = r->package;
			have_pkg |= r->package >= 0;
			units++;
		}

	cand[nc++] = 1;
	cand[nc++] = 2;
	cand[nc++] = max_per_key(nodes, units);
	if (have_pkg)
		cand[nc++] = max_per_key(pkgs, units);
	cand[nc++] = units;
	free(nodes);
	free(pkgs);
	cands_free(&c);

	for (int i = 0; i < nc; i++)
		if (cand[i] > p->nr)
			cand[i] = p->nr;
	/* sort, dedupe */
	for (int i = 1; i < nc; i++)
		for (int j = i; j > 0 && cand[j - 1] > cand[j]; j--) {
			int x = cand[j];

			cand[j] = cand[j - 1];
			cand[j - 1] = x;
		}
	for (int i = 0; i < nc && n < max_counts; i++) {
		if (cand[i] < 1 || (n && counts[n - 1] == cand[i]))
			continue;
		counts[n++] = cand[i];
	}
	return n;
}

int placement_check_threads(const struct placement *p, int threads, char *err, size_t errlen)
{
	if (!p || p->nr < 1) {
		set_err(err, errlen, "threads=%d: the placement is empty", threads);
		return -1;
	}
	if (threads < 1 || threads > p->nr) {
		set_err(err, errlen,
		       "threads=%d does not fit placement '%s'%s of %d PUs (accepted: 1-%d)",
		       threads, p->policy, p->smt ? " with smt" : "", p->nr, p->nr);
		return -1;
	}
	return 0;
}
