/*
 * tlb.c - data TLB geometry from cpuid (tlb.h).
 */
#include "tlb.h"

#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static const char *const page_names[] = { "4k", "2m", "4m", "1g" };

/* Intel leaf 0x18: one entry per translation structure; data and unified ones. */
static int intel_levels(FILE *f)
{
	unsigned int a, b, c, d, max, n = 0;

	if ((unsigned int)__get_cpuid_max(0, NULL) < 0x18u)
		return 0;
	__cpuid_count(0x18, 0, max, b, c, d);
	for (unsigned int s = 0; s <= max && s < 64; s++) {
		unsigned int type, level, ways, sets;
		__cpuid_count(0x18, s, a, b, c, d);
		type = d & 31;
		if (type != 1 && type != 3)          /* data or unified */
			continue;
		level = (d >> 5) & 7;
		ways = b >> 16;
		sets = c;
		for (int p = 0; p < 4; p++) {
			if (!(b & (1u << p)))
				continue;
			fprintf(f, "%s{\"level\": %u, \"kind\": \"%s\", \"pages\": \"%s\", \"entries\": %u, "
				"\"ways\": %u}", n++ ? ", " : "", level, type == 1 ? "data" : "unified",
				page_names[p], ways * sets, ways);
		}
	}
	return (int)n;
}

/* AMD leaves 0x80000005/6: L1 and L2 data TLB entries for 4 KiB and 2 MiB pages. */
static int amd_levels(FILE *f)
{
	unsigned int a, b, c, d, n = 0;

	if ((unsigned int)__get_cpuid_max(0x80000000, NULL) < 0x80000006u)
		return 0;
	__cpuid(0x80000005, a, b, c, d);
	if ((b >> 16) & 0xff)
		fprintf(f, "%s{\"level\": 1, \"kind\": \"data\", \"pages\": \"4k\", \"entries\": %u}",
			n++ ? ", " : "", (b >> 16) & 0xff);
	if ((a >> 16) & 0xff)
		fprintf(f, "%s{\"level\": 1, \"kind\": \"data\", \"pages\": \"2m\", \"entries\": %u}",
			n++ ? ", " : "", (a >> 16) & 0xff);
	__cpuid(0x80000006, a, b, c, d);
	if ((b >> 16) & 0xfff)
		fprintf(f, "%s{\"level\": 2, \"kind\": \"data\", \"pages\": \"4k\", \"entries\": %u}",
			n++ ? ", " : "", (b >> 16) & 0xfff);
	if ((a >> 16) & 0xfff)
		fprintf(f, "%s{\"level\": 2, \"kind\": \"data\", \"pages\": \"2m\", \"entries\": %u}",
			n++ ? ", " : "", (a >> 16) & 0xfff);
	return (int)n;
}

static bool is_amd(void)
{
	unsigned int a, b, c, d;
	char v[13];

	__cpuid(0, a, b, c, d);
	memcpy(v, &b, 4);
	memcpy(v + 4, &d, 4);
	memcpy(v + 8, &c, 4);
	v[12] = '\0';
	return strcmp(v, "AuthenticAMD") == 0 || strcmp(v, "HygonGenuine") == 0;
}

void tlb_write_json(FILE *f)
{
	long start = ftell(f);
	int n;

	fprintf(f, "{\"method\": \"%s\", \"levels\": [", is_amd() ? "cpuid 0x80000005/6" : "cpuid 0x18");
	n = is_amd() ? amd_levels(f) : intel_levels(f);
	if (n > 0) {
		fprintf(f, "]}");
		return;
	}
	if (start >= 0 && fseek(f, start, SEEK_SET) == 0)
		fprintf(f, "{\"method\": null, \"reason\": \"the CPU reports no data TLB geometry "
			"(cpuid %s empty; common under a hypervisor)\", \"levels\": []}",
			is_amd() ? "0x80000005/6" : "0x18");
	else
		fprintf(f, "]}");
}
#else
void tlb_write_json(FILE *f)
{
	fprintf(f, "{\"method\": null, \"reason\": \"not an x86 CPU: no cpuid\", \"levels\": []}");
}
#endif
