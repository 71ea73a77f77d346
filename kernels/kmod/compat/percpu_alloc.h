/*
 * percpu_alloc.h (kernel mode) - module per-CPU memory from the kernel's
 * dynamic per-CPU allocator (mm/percpu.c), where 2.6.29's
 * percpu_modalloc() reserved it from the module area of the first chunk.
 * The pointer returned is the kernel's __percpu pointer: CPU n's copy is
 * at it plus per_cpu_offset(n), and %gs:it is the running CPU's copy.
 */
#ifndef REFBENCH_PERCPU_ALLOC_H
#define REFBENCH_PERCPU_ALLOC_H

#include <linux/percpu.h>

static inline void *percpu_modalloc(unsigned long size, unsigned long align, const char *name)
{
	(void)name;
	return (void __force *)__alloc_percpu(size, align);
}

static inline void percpu_modfree(void *freeme)
{
	free_percpu((void __percpu __force *)freeme);
}

#endif
