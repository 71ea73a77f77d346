/*
 * lab_setup.h - set up the kernel models for a single-threaded command
 * (refbench-footprint, refbench-audit): the run's CPUs, NR_CPUS and line
 * size, per-CPU areas, and the calling thread pinned and registered as
 * CPU 0, the loading CPU.
 */
#ifndef REFBENCH_LAB_SETUP_H
#define REFBENCH_LAB_SETUP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * cpu_ids CPUs take part.  When it is larger than the CPUs this process
 * may use, the extra CPUs are layout only (their per-CPU units exist,
 * placed on the node of the real CPU they wrap onto; no thread runs
 * there): enough to measure memory, not to run.  0, or -1 with a reason.
 */
int lab_setup(unsigned int nr_cpus, unsigned int line, unsigned int cpu_ids,
	      unsigned int modules, char *err, size_t errlen);
/* CPUs this process may run on. */
unsigned int lab_allowed_cpus(void);
/* Resident set size of the process (VmRSS, the kernel's accounting), bytes;
 * -1 if unreadable. */
long lab_rss_bytes(void);
/* Parse a whole number in [lo, hi]; false if it is not one. */
int lab_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* A comma list of scheme names (--scheme=LIST of every program, options.h) into on[],
 * indexed as refbench_schemes[]: 0, or -1 with the reason (the entry refused and the
 * accepted names) in err.  An empty entry is refused, not skipped. */
int lab_parse_schemes(const char *val, bool *on, char *err, size_t errlen);

#endif
