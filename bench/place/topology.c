/*
 * topology.c - where the run's hwloc topology comes from: this machine, or
 * (for planning only) HWLOC_XMLFILE, HWLOC_SYNTHETIC, HWLOC_FSROOT or
 * HWLOC_CPUID_PATH, with the same precedence as hwloc_topology_load(), and
 * one-line errors that name the variable and what it accepts (placement.h).
 */
#define _GNU_SOURCE
#include "placement.h"
#include "errmsg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Topology loading                                                          */

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *source_text(const char *var, const char *value)
{
	size_t n = strlen(var) + strlen(value) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s=%s", var, value);
	return s;
}

int placement_topology_init(hwloc_topology_t *topo, char *err, size_t errlen)
{
	const char *fsroot = env_nonempty("HWLOC_FSROOT");
	const char *cpuid = env_nonempty("HWLOC_CPUID_PATH");
	const char *syn = env_nonempty("HWLOC_SYNTHETIC");
	const char *xml = env_nonempty("HWLOC_XMLFILE");
	hwloc_topology_t t;
	char *src = NULL;

	if (!topo) {
		set_err(err, errlen, "placement_topology_init: no topology pointer given");
		return -1;
	}
	*topo = NULL;
	if (hwloc_topology_init(&t)) {
		set_err(err, errlen, "hwloc_topology_init failed: %s", strerror(errno));
		return -1;
	}

	/* Same precedence as hwloc_topology_load() applies to the variables. */
	if (fsroot) {
		src = source_text("HWLOC_FSROOT", fsroot);
	} else if (cpuid) {
		src = source_text("HWLOC_CPUID_PATH", cpuid);
	} else if (syn) {
		if (hwloc_topology_set_synthetic(t, syn)) {
			set_err(err, errlen,
			       "invalid HWLOC_SYNTHETIC '%s': hwloc cannot parse it "
			       "(accepted: a synthetic description such as "
			       "\"pack:2 [numa] core:4 pu:2\")", syn);
			goto fail;
		}
		src = source_text("HWLOC_SYNTHETIC", syn);
	} else if (xml) {
		FILE *f = fopen(xml, "r");

		if (!f) {
			set_err(err, errlen,
			       "cannot read HWLOC_XMLFILE '%s': %s (accepted: a "
			       "readable hwloc XML topology, e.g. from lstopo FILE.xml)",
			       xml, strerror(errno));
			goto fail;
		}
		fclose(f);
		if (hwloc_topology_set_xml(t, xml)) {
			set_err(err, errlen,
			       "invalid HWLOC_XMLFILE '%s': hwloc cannot import it (%s; "
			       "accepted: an hwloc XML topology, e.g. from lstopo FILE.xml)",
			       xml, strerror(errno));
			goto fail;
		}
		src = source_text("HWLOC_XMLFILE", xml);
	}

	/*
	 * With libhwloc-plugins (libxml2) a bad XML file is refused by
	 * hwloc_topology_set_xml(); without them (hwloc's own minimal XML
	 * reader, what a --no-install-recommends install has) only the load
	 * fails.  Both say the same thing here.
	 */
	if (hwloc_topology_load(t)) {
		if (xml && !fsroot && !cpuid && !syn)
			set_err(err, errlen,
			       "invalid HWLOC_XMLFILE '%s': hwloc cannot import it (%s; "
			       "accepted: an hwloc XML topology, e.g. from lstopo FILE.xml)",
			       xml, strerror(errno));
		else
			set_err(err, errlen, "loading the hwloc topology from %s failed: %s",
			       src ? src : "this machine", strerror(errno));
		goto fail;
	}
	hwloc_topology_set_userdata(t, src);
	*topo = t;
	return 0;

fail:
	free(src);
	hwloc_topology_destroy(t);
	return -1;
}

void placement_topology_destroy(hwloc_topology_t topo)
{
	if (!topo)
		return;
	free((void *)hwloc_topology_get_userdata(topo));
	hwloc_topology_destroy(topo);
}

const char *placement_topology_source(hwloc_topology_t topo)
{
	const char *src = hwloc_topology_get_userdata(topo);

	if (src)
		return src;
	if (hwloc_topology_is_thissystem(topo))
		return "this machine";
	return "an XML file or synthetic description";
}

bool placement_topology_is_this_system(hwloc_topology_t topo)
{
	return hwloc_topology_is_thissystem(topo) != 0;
}

