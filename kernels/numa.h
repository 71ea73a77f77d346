/*
 * numa.h - where memory lives, asked of and told to the kernel through
 * hwloc.  The models use it the way the kernel uses its node-aware
 * allocators (alloc_bootmem_node for per-CPU areas, vmalloc_node for
 * module memory): bind a range to a node before first touch, and ask
 * afterwards where its pages really are.
 *
 * Nodes are hwloc logical NUMA-node indexes.  This topology is always the
 * running machine's (HWLOC_XMLFILE and HWLOC_SYNTHETIC are ignored here:
 * memory can only be bound on the machine that runs).
 */
#ifndef REFBENCH_NUMA_H
#define REFBENCH_NUMA_H

#include <stddef.h>

int numa_nr_nodes(void);
int numa_node_of_os_cpu(int os_cpu);     /* -1 if unknown */
int numa_node_of_current_cpu(void);      /* node of the CPU the caller runs on */
/* Bind [addr, addr+len) to node (strict, migrating what is there). 0 or -1. */
int numa_bind_area(void *addr, size_t len, int node);
/*
 * The node holding the pages of [addr, addr+len), asked of the kernel
 * (hwloc_get_area_memlocation, i.e. move_pages(2)): a node index, -1 if
 * the pages are spread over several nodes, -2 if it cannot be told.
 */
int numa_area_node(const void *addr, size_t len);
/* Whether memory binding is supported on this system (reason when not). */
int numa_binding_supported(const char **why);

#endif
