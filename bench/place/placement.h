/*
 * placement.h - thread placement on hwloc topologies.
 *
 * A placement is the ordered list of processing units (PUs) that benchmark
 * threads bind to: thread i binds itself to cpu[i].  Policies:
 *
 *   compact   cores in hwloc logical order (all cores of package 0, then
 *             package 1, ...).  With smt, all PUs of a core, in order, before
 *             the next core.
 *   scatter   consecutive threads land on different NUMA nodes first, then on
 *             different packages: NUMA nodes are ordered round-robin across
 *             packages (2 packages x 2 nodes -> nodes 0,2,1,3), threads go
 *             round-robin over that node order, and inside a node round-robin
 *             over its packages (for nodes spanning packages), cores in
 *             logical order.  With smt, the first PU of every core in that
 *             order, then every core's second PU, and so on.
 *   location  an hwloc location list as hwloc-calc reads it (hwloc 2.9 keeps
 *             that parser inside the hwloc-calc tool, the library does not
 *             export it; this is a small parser for the subset below).
 *             PUs are used in logical order.
 *
 * Location subset accepted (all indexes are hwloc LOGICAL indexes):
 *   LIST     := LOCATION [ ' ' LOCATION ]...        union of the locations
 *   LOCATION := TYPE:INDEXES [ '.' TYPE:INDEXES ]...
 *   INDEXES  := all | even | odd | ITEM [ ',' ITEM ]...
 *   ITEM     := N | N-M | N- (to the last) | N:C (C objects from N)
 *   TYPE     := any type name hwloc_type_sscanf() accepts that has CPUs:
 *               pu, core, package (socket), die, node (numa, numanode),
 *               l1 .. l5 (l3cache ...), group, machine.
 *   After a '.', indexes count inside the object selected on the left
 *   (package:1.core:0 is the first core of the second package), as in
 *   hwloc-calc.  Commas are an extension (hwloc-calc 2.9 wants "pu:0 pu:2").
 *   Not accepted: cpuset masks (0x...), os= / pci= devices, the ~ ^ x
 *   operators, physical indexes.
 *   An index past the last object is an error (hwloc-calc only warns).
 *
 * One PU per core unless smt is true: without smt a placement uses the first
 * usable PU of each core; with smt every usable PU of the core.  A location
 * naming two PUs of one core without smt is an error.
 *
 * Usable PUs: on this machine, the topology's allowed cpuset intersected with
 * the process binding (hwloc_get_cpubind HWLOC_CPUBIND_PROCESS, i.e. taskset),
 * so build placements before binding any thread.  For a topology that is not
 * this machine (XML, synthetic), every PU of the topology.  compact/scatter
 * use the usable PUs only; a location naming a PU outside them is an error.
 *
 * Recorded per PU: os_index (OS/physical PU number, what sched_getcpu
 * returns), pu_logical, core, package and node as hwloc LOGICAL indexes.
 * node is the NUMA node whose cpuset contains the PU (the smallest such
 * cpuset if several do, e.g. DRAM + HBM nodes; then the lowest logical
 * index).  core or package is -1 (JSON null) when the topology has no such
 * object above the PU.
 *
 * Errors are one line in err (naming the value and what is accepted) and a
 * non-zero (-1) return; the library never exits.
 */
#ifndef REFBENCH_PLACEMENT_H
#define REFBENCH_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <hwloc.h>

struct placement_cpu {
	int os_index;   /* OS (physical) PU index */
	int pu_logical; /* hwloc logical PU index */
	int core;       /* logical core index, -1 if none */
	int package;    /* logical package index, -1 if none */
	int node;       /* logical NUMA node index */
};

struct placement {
	char policy[128];          /* as given: compact, scatter or a location */
	bool smt;                  /* SMT siblings allowed */
	int nr;                    /* number of entries in cpu[] */
	struct placement_cpu *cpu; /* cpu[i] is thread i's PU */
	int nr_nodes;              /* distinct NUMA nodes among cpu[] */
};

/*
 * Load the topology.  Honours the variables hwloc itself reads at load, with
 * its precedence (HWLOC_FSROOT, HWLOC_CPUID_PATH, then HWLOC_SYNTHETIC, then
 * HWLOC_XMLFILE), but applies HWLOC_SYNTHETIC / HWLOC_XMLFILE explicitly:
 * hwloc 2.9 silently falls back to the native topology when they are
 * unreadable or invalid, here that is an error.  HWLOC_THISSYSTEM is left to
 * hwloc.  Release with placement_topology_destroy().
 */
int placement_topology_init(hwloc_topology_t *topo, char *err, size_t errlen);
void placement_topology_destroy(hwloc_topology_t topo);
/* Where the topology came from: "this machine", "HWLOC_XMLFILE=...", ... */
const char *placement_topology_source(hwloc_topology_t topo);
bool placement_topology_is_this_system(hwloc_topology_t topo);

int placement_build(hwloc_topology_t topo, const char *policy, bool smt,
		    struct placement *out, char *err, size_t errlen);
void placement_free(struct placement *p);

/*
 * Default thread counts: 1, 2, and the topology boundaries counted in the
 * placement's unit (cores, or PUs with smt, among the usable PUs): the most
 * per NUMA node, the most per package, all of them.  Each value is capped at
 * p->nr, then the list is sorted and deduplicated.  Writes at most max_counts
 * values (5 is always enough) and returns how many, -1 on bad arguments.
 */
int placement_default_threads(hwloc_topology_t topo, const struct placement *p,
			      int *counts, int max_counts);

/* 0 if 1 <= threads <= p->nr, else -1 and a message. */
int placement_check_threads(const struct placement *p, int threads, char *err,
			    size_t errlen);

/*
 * Bind the calling thread to p->cpu[i] and verify it: hwloc_get_cpubind
 * (thread) must be exactly that PU, and hwloc_get_last_cpu_location and
 * sched_getcpu must report it.  Refuses when the topology is not this
 * machine.  p->cpu[i] is then the verified record.
 */
int placement_bind_self(hwloc_topology_t topo, const struct placement *p, int i,
			char *err, size_t errlen);

/*
 * {"policy": "...", "smt": false, "nr": N, "nr_nodes": K,
 *  "indexes": "...", "cpus": [{"thread": 0, "os_index": 0, "pu_logical": 0,
 *  "core": 0, "package": 0, "node": 0}, ...]}   (no trailing newline)
 */
void placement_write_json(FILE *f, const struct placement *p);

/* "0-3,8", the list form of a bitmap, for messages ("?" when it does not fit). */
void placement_list_snprintf(char *buf, size_t len, hwloc_const_bitmap_t b);

#endif /* REFBENCH_PLACEMENT_H */
