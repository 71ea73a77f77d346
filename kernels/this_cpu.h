/*
 * this_cpu.h - the this_cpu operations of Linux 2.6.33+ (e1783a240f49 and
 * the percpu work before it, include/linux/percpu.h, arch/x86/include/asm/
 * percpu.h): on x86-64 a per-CPU variable is addressed relative to the %gs
 * segment, whose base is the CPU's per-CPU offset, so __this_cpu_inc(p) is
 * one "incl %gs:p" - no CPU number, no offset table, no address arithmetic.
 *
 * Model: each thread registered as lab CPU n gets its GS base set to the
 * base of CPU n's per-CPU unit with arch_prctl(ARCH_SET_GS) (cpu.c), and the
 * schemes that use this_cpu keep zero-based per-CPU pointers (offsets into
 * a unit), so %gs:p is CPU n's copy, exactly as in the kernel.
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


/*
 * Zero-based per-CPU pointers, as x86-64 kernels have used since 2.6.30: a
 * __percpu pointer is an offset into a per-CPU area, CPU n's copy is at
 * that offset from n's area (per_cpu_zb()), and %gs holds the base of the
 * running CPU's area, so "%gs:p" is the running CPU's copy.  (The lab's
 * per_cpu_ptr() keeps 2.6.29's unit-0 addresses for the percpu scheme.)
 */
#define per_cpu_zb(p, cpu) ((__typeof__(p))((uintptr_t)(p) + __per_cpu_base[(cpu)]))
/*
 * &p->field of a zero-based per-CPU pointer, by arithmetic: p may be 0 (the
 * first block of a unit), where C's member access would be undefined.
 */
#define pcpu_field(p, field) \
	((__typeof__(&(p)->field))((uintptr_t)(p) + __builtin_offsetof(__typeof__(*(p)), field)))
/* The zero-based pointer of a block percpu_modalloc() returned (0 is valid). */
#define percpu_zb_of(addr) ((void *)((uintptr_t)(addr) - __per_cpu_base[0]))

/*
 * this_cpu_set_base() - point the calling thread's %gs at CPU @cpu's per-CPU
 * area (defined in cpu.c, which calls it at registration; percpu_alloc.c
 * calls it when the areas move);
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
static inline void __this_cpu_inc_ulong(unsigned long *p)
{
	__asm__ __volatile__("incq %%gs:%0" : "+m" (*p));
}
static inline void __this_cpu_dec_ulong(unsigned long *p)
{
	__asm__ __volatile__("decq %%gs:%0" : "+m" (*p));
}
#else
static inline void __this_cpu_inc_uint(unsigned int *p)
{
	__atomic_fetch_add(per_cpu_zb(p, smp_processor_id()), 1, __ATOMIC_RELAXED);
}
static inline void __this_cpu_inc_ulong(unsigned long *p)
{
	__atomic_fetch_add(per_cpu_zb(p, smp_processor_id()), 1, __ATOMIC_RELAXED);
}
static inline void __this_cpu_dec_ulong(unsigned long *p)
{
	__atomic_fetch_sub(per_cpu_zb(p, smp_processor_id()), 1, __ATOMIC_RELAXED);
}
#endif
/*
 * On x86-64 this_cpu_inc() (safe against preemption) and __this_cpu_inc()
 * (the caller disabled it) are the same single instruction.
 */
#define this_cpu_inc_ulong __this_cpu_inc_ulong
#define this_cpu_dec_ulong __this_cpu_dec_ulong

/* x86 is TSO: the kernel's smp_wmb()/smp_rmb() are compiler barriers there. */
#define smp_wmb() __atomic_signal_fence(__ATOMIC_RELEASE)
#define smp_rmb() __atomic_signal_fence(__ATOMIC_ACQUIRE)

#endif
