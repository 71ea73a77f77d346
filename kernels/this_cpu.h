/*
 * this_cpu.h - the this_cpu operations of Linux 2.6.33+ (e1783a240f49 and
 * the percpu work before it, include/linux/percpu.h, arch/x86/include/asm/
 * percpu.h): on x86-64 a per-CPU variable is addressed relative to the %gs
 * segment, whose base is the CPU's per-CPU offset, so __this_cpu_inc(p) is
 * one "incl %gs:p" - no CPU number, no offset table, no address arithmetic.
 *
 * Model: each thread registered as lab CPU n gets its GS base set to
 * per_cpu_offset(n) with arch_prctl(ARCH_SET_GS) (cpu.c); per-CPU pointers
 * are unit-0 addresses, so %gs:p is CPU n's copy, exactly as in the kernel.
 * Where the kernel refuses ARCH_SET_GS, this_cpu_unavailable() says why and
 * the schemes that need it are reported skipped, never silently absent.
 * The ThreadSanitizer build (REFBENCH_LOCAL_RELAXED), which cannot see into
 * asm, computes the address and uses a relaxed atomic instead.
 */
#ifndef REFBENCH_THIS_CPU_H
#define REFBENCH_THIS_CPU_H

#include "compat.h"

#include <stdbool.h>
#include <stdint.h>

#include "percpu_alloc.h"     /* per_cpu_ptr() */

/*
 * this_cpu_set_base() - point the calling thread's %gs at CPU @cpu's per-CPU
 * area (cpu.c calls it at registration, percpu_alloc.c when the areas move);
 * @cpu < 0 clears it.  Return: false when the kernel refused.
 */
bool this_cpu_set_base(int cpu);
/* NULL when every registered thread has its %gs base, else why not. */
const char *this_cpu_unavailable(void);

#if defined(__x86_64__) && !defined(REFBENCH_LOCAL_RELAXED)
static inline void __this_cpu_inc_uint(unsigned int *p)
{
	__asm__ __volatile__("incl %%gs:%0" : "+m" (*p));
}
static inline void __this_cpu_write_uint(unsigned int *p, unsigned int v)
{
	__asm__ __volatile__("movl %1, %%gs:%0" : "=m" (*p) : "r" (v));
}
#else
static inline void __this_cpu_inc_uint(unsigned int *p)
{
	__atomic_fetch_add(per_cpu_ptr(p, smp_processor_id()), 1, __ATOMIC_RELAXED);
}
static inline void __this_cpu_write_uint(unsigned int *p, unsigned int v)
{
	__atomic_store_n(per_cpu_ptr(p, raw_smp_processor_id()), v, __ATOMIC_RELAXED);
}
#endif

/* x86 is TSO: the kernel's smp_wmb()/smp_rmb() are compiler barriers there. */
#define smp_wmb() __atomic_signal_fence(__ATOMIC_RELEASE)
#define smp_rmb() __atomic_signal_fence(__ATOMIC_ACQUIRE)

#endif
