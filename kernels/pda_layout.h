/*
 * pda_layout.h - struct x8664_pda and cpu_pda() of Linux 2.6.29
 * (arch/x86/include/asm/pda.h), as both pda.h (the userspace models) and
 * kmod/compat/pda.h (the kernel module) rebuild them: one layout, so that
 * per_cpu_offset() costs the same loads in both.
 */
#ifndef REFBENCH_PDA_LAYOUT_H
#define REFBENCH_PDA_LAYOUT_H

struct x8664_pda {
	void *pcurrent;                 /* 0  current process */
	unsigned long data_offset;      /* 8  per-CPU data offset from the linker address */
	unsigned long kernelstack;      /* 16 */
	unsigned long oldrsp;           /* 24 */
	int irqcount;                   /* 32 */
	unsigned int cpunumber;         /* 36 logical CPU number */
} __attribute__((aligned(64)));

extern struct x8664_pda **_cpu_pda;
#define cpu_pda(i) (_cpu_pda[i])

#endif
