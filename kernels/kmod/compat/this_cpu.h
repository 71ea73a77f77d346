/*
 * this_cpu.h (kernel mode) - the this_cpu operations the lab's 2.6.34+
 * schemes use, as the kernel's own: a per-CPU pointer is the kernel's
 * __percpu pointer, CPU n's copy is per_cpu_ptr(p, n), and
 * __this_cpu_inc() is one "inc %gs:p" (include/linux/percpu-defs.h,
 * arch/x86/include/asm/percpu.h).
 */
#ifndef REFBENCH_THIS_CPU_H
#define REFBENCH_THIS_CPU_H

#include "compat.h"
#include "percpu_alloc.h"

#define per_cpu_zb(p, cpu) per_cpu_ptr((p), (cpu))
/* &p->field of a per-CPU pointer, by arithmetic, as the userspace model does. */
#define pcpu_field(p, field) \
	((__typeof__(&(p)->field))((uintptr_t)(p) + __builtin_offsetof(__typeof__(*(p)), field)))
/* percpu_modalloc() already returns the __percpu pointer. */
#define percpu_zb_of(addr) ((void *)(addr))

/* The kernel always has its %gs base. */
static inline const char *this_cpu_unavailable(void) { return NULL; }

static inline void __this_cpu_inc_uint(unsigned int *p)
{
	__this_cpu_inc(*p);
}
static inline void __this_cpu_inc_ulong(unsigned long *p)
{
	__this_cpu_inc(*p);
}
static inline void __this_cpu_dec_ulong(unsigned long *p)
{
	__this_cpu_dec(*p);
}
/* The kernel's own this_cpu_inc()/this_cpu_dec(), safe against preemption
 * (on x86-64 the same single instruction). */
static inline void this_cpu_inc_ulong(unsigned long *p)
{
	this_cpu_inc(*p);
}
static inline void this_cpu_dec_ulong(unsigned long *p)
{
	this_cpu_dec(*p);
}

#endif
