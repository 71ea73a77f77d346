/*
 * this_cpu.c - the %gs base of each lab CPU thread (this_cpu.h).
 */
#define _GNU_SOURCE
#include "this_cpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <asm/prctl.h>
#endif

static char unavailable[160];

bool this_cpu_set_base(int cpu)
{
#if defined(__x86_64__)
	unsigned long base = cpu >= 0 ? (unsigned long)__per_cpu_base[cpu] : 0;

	if (syscall(SYS_arch_prctl, ARCH_SET_GS, base) == 0)
		return true;
	snprintf(unavailable, sizeof(unavailable),
		 "arch_prctl(ARCH_SET_GS) refused: %s (the this_cpu operations need the %%gs base)",
		 strerror(errno));
	return false;
#else
	(void)cpu;
	snprintf(unavailable, sizeof(unavailable), "not x86-64: no %%gs-relative this_cpu operations");
	return false;
#endif
}

const char *this_cpu_unavailable(void)
{
	return unavailable[0] ? unavailable : NULL;
}
