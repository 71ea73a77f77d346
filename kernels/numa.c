#define _GNU_SOURCE
#include "numa.h"

#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static hwloc_topology_t topo;
static pthread_once_t topo_once = PTHREAD_ONCE_INIT;

static void topo_load(void)
{
	/* The process environment may point hwloc at a planning topology;
	 * memory placement must use this machine's. */
	if (hwloc_topology_init(&topo) != 0) {
		fprintf(stderr, "refbench: hwloc topology init failed\n");
		abort();
	}
	/* hwloc reads HWLOC_XMLFILE/HWLOC_SYNTHETIC only when no backend was
	 * chosen; forcing the Linux backend keeps this topology real. */
	hwloc_topology_set_components(topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "xml");
	hwloc_topology_set_components(topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "synthetic");
	if (hwloc_topology_load(topo) != 0) {
		fprintf(stderr, "refbench: hwloc topology load failed\n");
		abort();
	}
}

static hwloc_topology_t get_topo(void)
{
	pthread_once(&topo_once, topo_load);
	return topo;
}

int numa_nr_nodes(void)
{
	int n = hwloc_get_nbobjs_by_type(get_topo(), HWLOC_OBJ_NUMANODE);
	return n > 0 ? n : 1;
}

int numa_node_of_os_cpu(int os_cpu)
{
	hwloc_topology_t t = get_topo();
	hwloc_obj_t node = NULL;

	while ((node = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, node)) != NULL)
		if (hwloc_bitmap_isset(node->cpuset, (unsigned)os_cpu))
			return (int)node->logical_index;
	return -1;
}

int numa_node_of_current_cpu(void)
{
	int cpu = sched_getcpu();
	int node = cpu >= 0 ? numa_node_of_os_cpu(cpu) : -1;
	return node >= 0 ? node : 0;
}

int numa_bind_area(void *addr, size_t len, int node)
{
	hwloc_topology_t t = get_topo();
	hwloc_obj_t obj = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, (unsigned)node);

	if (!obj)
		return -1;
	return hwloc_set_area_membind(t, addr, len, obj->nodeset, HWLOC_MEMBIND_BIND,
				      HWLOC_MEMBIND_STRICT | HWLOC_MEMBIND_MIGRATE |
				      HWLOC_MEMBIND_BYNODESET);
}

int numa_area_node(const void *addr, size_t len)
{
	hwloc_topology_t t = get_topo();
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	hwloc_obj_t node = NULL;
	int found = -2, count = 0;

	if (!set)
		return -2;
	if (hwloc_get_area_memlocation(t, addr, len, set, HWLOC_MEMBIND_BYNODESET) != 0) {
		hwloc_bitmap_free(set);
		return -2;
	}
	while ((node = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, node)) != NULL) {
		if (hwloc_bitmap_intersects(set, node->nodeset)) {
			found = (int)node->logical_index;
			count++;
		}
	}
	hwloc_bitmap_free(set);
	return count > 1 ? -1 : found;
}

int numa_binding_supported(const char **why)
{
	const struct hwloc_topology_support *s = hwloc_topology_get_support(get_topo());

	if (!s->membind->set_area_membind || !s->membind->bind_membind) {
		if (why)
			*why = "hwloc cannot bind memory areas on this system";
		return 0;
	}
	if (!s->membind->get_area_memlocation) {
		if (why)
			*why = "hwloc cannot query where pages are on this system";
		return 0;
	}
	return 1;
}
