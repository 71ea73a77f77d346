/*
 * location.c - hwloc location lists for --placement: "core:0-3",
 * "pu:0,2", "node:1", "package:0.core:0-1" (see location.h).
 *
 * Each LOCATION is a dot-separated path of TYPE:INDEXES elements: the first
 * element's indexes are global logical indexes, each later element's are
 * relative to every object the path selected so far, as in hwloc's own
 * hwloc-calc.  INDEXES is a comma list of N, N-M, N- and N:COUNT.
 */
#define _GNU_SOURCE
#include "location.h"
#include "errmsg.h"

#include <stdlib.h>
#include <string.h>


static void type_name(hwloc_topology_t t, int depth, char *buf, size_t len)
{
	hwloc_obj_t o = hwloc_get_obj_by_depth(t, depth, 0);

	if (o)
		hwloc_obj_type_snprintf(buf, len, o, 0);
	else
		snprintf(buf, len, "object");
}

static int parse_uint(const char **s, long *out)
{
	const char *p = *s;
	long v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -1;
		p++;
	}
	*s = p;
	*out = v;
	return 0;
}

/*
 * Parse INDEXES against count objects into sel[0..count-1].  tname and inside
 * name the objects in error messages ("Core", " inside Package 0").
 */
static int parse_indexes(const char *idx, int count, bool *sel, const char *loc,
			 const char *tname, const char *inside, char *err, size_t errlen)
{
	const char *s = idx;
	long a = 0, b;

	if (!strcmp(idx, "all") || !strcmp(idx, "even") || !strcmp(idx, "odd")) {
		int from = idx[0] == 'o' ? 1 : 0, step = idx[0] == 'a' ? 1 : 2;

		if (count <= from) {
			set_err(err, errlen, "location '%s': no %s objects match '%s'%s",
			       loc, tname, idx, inside);
			return -1;
		}
		for (int i = from; i < count; i += step)
			sel[i] = true;
		return 0;
	}
	for (;;) {
		if (parse_uint(&s, &a))
			goto syntax;
		if (a >= count)
			goto missing;
		b = a;
		if (*s == '-') {
			s++;
			if (*s == ',' || *s == '\0')
				b = count - 1;
			else if (parse_uint(&s, &b))
				goto syntax;
			if (b < a) {
				set_err(err, errlen,
				       "location '%s': range %ld-%ld is reversed "
				       "(accepted: N-M with N <= M)", loc, a, b);
				return -1;
			}
		} else if (*s == ':') {
			long n;

			s++;
			if (parse_uint(&s, &n) || n < 1)
				goto syntax;
			b = a + n - 1;
		}
		if (b >= count) {
			a = count;
			goto missing;
		}
		for (long i = a; i <= b; i++)
			sel[i] = true;
		if (*s == '\0')
			return 0;
		if (*s != ',')
			goto syntax;
		s++;
	}
missing:
	/* a: the first index that does not exist */
	if (count > 0)
		set_err(err, errlen,
		       "location '%s': %s %ld does not exist%s (there are %s 0-%d, "
		       "logical indexes)", loc, tname, a, inside, tname, count - 1);
	else
		set_err(err, errlen,
		       "location '%s': %s %ld does not exist%s (there are no %s "
		       "objects there)", loc, tname, a, inside, tname);
	return -1;
syntax:
	set_err(err, errlen,
	       "location '%s': bad index list '%s' (accepted: all, even, odd, or "
	       "comma-separated N, N-M, N-, N:COUNT logical indexes)", loc, idx);
	return -1;
}

/* objects selected by the elements parsed so far */
struct objlist {
	hwloc_obj_t *v;
	int n, cap;
};

static int objlist_add(struct objlist *l, hwloc_obj_t o)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		hwloc_obj_t *v = realloc(l->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = o;
	return 0;
}

/*
 * Check one element TYPE:INDEXES of @loc (@elem, with the colon replaced by
 * a NUL at @colon) and find its topology depth.  0, or -1 with the reason.
 */
static int element_depth(hwloc_topology_t t, const char *loc, char *elem, char *colon,
			 hwloc_obj_type_t *type, int *depth, char *err, size_t errlen)
{
	if (!colon || colon == elem || colon[1] == '\0') {
		set_err(err, errlen,
		       "location '%s': element '%s' is not TYPE:INDEXES "
		       "(accepted: e.g. core:0-3, package:0.core:0-1)", loc, elem);
		return -1;
	}
	*colon = '\0';
	if (hwloc_type_sscanf_as_depth(elem, type, t, depth)) {
		set_err(err, errlen,
		       "location '%s': unknown object type '%s' (accepted: pu, "
		       "core, package, die, node, l1-l5, group, machine)", loc, elem);
		return -1;
	}
	if (*depth == HWLOC_TYPE_DEPTH_UNKNOWN) {
		set_err(err, errlen, "location '%s': this topology has no %s objects",
		       loc, hwloc_obj_type_string(*type));
		return -1;
	}
	if (*depth == HWLOC_TYPE_DEPTH_MULTIPLE) {
		set_err(err, errlen,
		       "location '%s': type '%s' is ambiguous here (several %s "
		       "levels; accepted: name one, e.g. group0)", loc, elem,
		       hwloc_obj_type_string(*type));
		return -1;
	}
	if (*depth < 0 && *depth != HWLOC_TYPE_DEPTH_NUMANODE) {
		set_err(err, errlen,
		       "location '%s': type '%s' has no CPUs (accepted: pu, core, "
		       "package, die, node, l1-l5, group, machine)", loc, elem);
		return -1;
	}
	return 0;
}

/* The first element: global logical indexes at @depth into @next. */
static int select_global(hwloc_topology_t t, const char *loc, const char *idx, int depth,
			 const char *tname, struct objlist *next, char *err, size_t errlen)
{
	int count = hwloc_get_nbobjs_by_depth(t, depth), rc = -1;
	bool *sel = calloc((size_t)(count > 0 ? count : 1), sizeof(bool));

	if (!sel)
		goto oom;
	if (parse_indexes(idx, count, sel, loc, tname, "", err, errlen))
		goto out;
	for (int i = 0; i < count; i++) {
		hwloc_obj_t o;

		if (!sel[i])
			continue;
		o = hwloc_get_obj_by_depth(t, depth, (unsigned)i);
		if (!o->cpuset || hwloc_bitmap_iszero(o->cpuset)) {
			set_err(err, errlen, "location '%s': %s %d has no CPUs (accepted: "
			       "objects that contain PUs)", loc, tname, i);
			goto out;
		}
		if (objlist_add(next, o))
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	set_err(err, errlen, "location '%s': out of memory", loc);
out:
	free(sel);
	return rc;
}

/* A later element: indexes relative to each object of @cur, into @next. */
static int select_inside(hwloc_topology_t t, const char *loc, const char *idx, int depth,
			 const char *tname, const struct objlist *cur, struct objlist *next,
			 char *err, size_t errlen)
{
	for (int k = 0; k < cur->n; k++) {
		hwloc_obj_t parent = cur->v[k];
		int count = hwloc_get_nbobjs_inside_cpuset_by_depth(t, parent->cpuset, depth);
		char inside[96], pname[64];
		bool *sel = calloc((size_t)(count > 0 ? count : 1), sizeof(bool));
		int bad = 0;

		if (!sel) {
			set_err(err, errlen, "location '%s': out of memory", loc);
			return -1;
		}
		hwloc_obj_type_snprintf(pname, sizeof(pname), parent, 0);
		snprintf(inside, sizeof(inside), " inside %s %u", pname, parent->logical_index);
		if (parse_indexes(idx, count, sel, loc, tname, inside, err, errlen))
			bad = 1;
		for (int i = 0; !bad && i < count; i++)
			if (sel[i] && objlist_add(next, hwloc_get_obj_inside_cpuset_by_depth(
							  t, parent->cpuset, depth, (unsigned)i))) {
				set_err(err, errlen, "location '%s': out of memory", loc);
				bad = 1;
			}
		free(sel);
		if (bad)
			return -1;
	}
	return 0;
}

/* One LOCATION (no spaces): adds its PUs to set.  *last_is_pu tells whether
 * its last element selected PUs. */
static int parse_location(hwloc_topology_t t, const char *loc, hwloc_bitmap_t set,
			  bool *last_is_pu, char *err, size_t errlen)
{
	char *copy = strdup(loc), *rest = copy, *elem;
	struct objlist cur = { 0 }, next = { 0 };
	int rc = -1, level = 0;

	if (!copy) {
		set_err(err, errlen, "location '%s': out of memory", loc);
		return -1;
	}
	while ((elem = strsep(&rest, "."))) {
		char *colon = strchr(elem, ':'), tname[64];
		hwloc_obj_type_t type;
		int depth;

		if (element_depth(t, loc, elem, colon, &type, &depth, err, errlen))
			goto out;
		type_name(t, depth, tname, sizeof(tname));
		*last_is_pu = type == HWLOC_OBJ_PU;
		next.n = 0;
		if (level == 0 ? select_global(t, loc, colon + 1, depth, tname, &next, err, errlen) :
				 select_inside(t, loc, colon + 1, depth, tname, &cur, &next, err, errlen))
			goto out;
		{
			struct objlist x = cur;

			cur = next;
			next = x;
		}
		level++;
	}
	if (level == 0) {
		set_err(err, errlen, "location '%s' is empty (accepted: " LOCATION_ACCEPTED ")", loc);
		goto out;
	}
	for (int k = 0; k < cur.n; k++)
		hwloc_bitmap_or(set, set, cur.v[k]->cpuset);
	rc = 0;
out:
	free(cur.v);
	free(next.v);
	free(copy);
	return rc;
}

int location_list_parse(hwloc_topology_t t, const char *list, hwloc_bitmap_t set,
			bool *any_pu, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *loc;
	int rc = 0;

	if (!copy) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	*any_pu = false;
	for (loc = strtok_r(copy, " \t", &save); loc; loc = strtok_r(NULL, " \t", &save)) {
		bool is_pu = false;

		if (parse_location(t, loc, set, &is_pu, err, errlen)) {
			rc = -1;
			break;
		}
		*any_pu |= is_pu;
	}
	free(copy);
	return rc;
}

