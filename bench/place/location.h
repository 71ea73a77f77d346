/*
 * location.h - parse an hwloc location list into a set of PUs.
 */
#ifndef REFBENCH_LOCATION_H
#define REFBENCH_LOCATION_H

#include <hwloc.h>
#include <stdbool.h>
#include <stddef.h>

#define LOCATION_ACCEPTED                                                      \
	"compact, scatter, or an hwloc location such as core:0-3, pu:0,2, "    \
	"node:1, package:0.core:0-1"

/**
 * location_list_parse() - OR the PUs of every LOCATION of @list (separated by
 * spaces or tabs) into @set.
 * @any_pu: set when some location's last element selected PUs directly
 *          (the caller then refuses SMT siblings unless asked for).
 * Return: 0, or -1 with a one-line reason naming the location in @err.
 */
int location_list_parse(hwloc_topology_t t, const char *list, hwloc_bitmap_t set,
			bool *any_pu, char *err, size_t errlen);

#endif
