/*
 * compat.h (kernel mode) - the slice of the kernel API the lab's schemes
 * are written against, taken from the running kernel itself.  In the
 * module's build folder this file stands where kernels/compat.h stands for
 * the userspace models, so a scheme header's #include "compat.h" gets the
 * real thing:
 *
 *   local_t, local_inc/dec/read/set   <asm/local.h>
 *   atomic_t and its operations       <linux/atomic.h>
 *   get_cpu()/put_cpu(), smp_processor_id()  <linux/smp.h>: preempt_disable()
 *   per_cpu_offset(), for_each_possible_cpu(), nr_cpu_ids  the kernel's
 *   NR_CPUS, L1_CACHE_SHIFT/BYTES      the kernel's compile-time constants
 *   get_current(), wake_up_process()  <linux/sched.h>
 *   rcuref_t and its operations       <linux/rcuref.h>, from 6.4
 *                                     (ee1ee6db0779); REFBENCH_KERNEL_RCUREF
 *                                     tells scheme_rcuref.h to use them
 *                                     in place of its own copy
 *
 * The userspace-only parts (CPU registration, the QSBR tick, the
 * stop_machine() model, fault injection) have no counterpart here: the
 * module never loads or deletes a lab module through the lab's lifecycle,
 * only builds one and times its operations.
 */
#ifndef REFBENCH_COMPAT_H
#define REFBENCH_COMPAT_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/cache.h>
#include <linux/errno.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/sched.h>
#include <linux/version.h>
#include <asm/local.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <linux/rcuref.h>
#define REFBENCH_KERNEL_RCUREF 1
#endif

/* The userspace models sweep these at run time; the kernel fixes them. */
#define REFBENCH_NR_CPUS_MAX NR_CPUS
#define REFBENCH_LINE_MAX    L1_CACHE_BYTES

/* module_refcount()'s walk step: only the userspace race test hooks it. */
#define REFCOUNT_WALK_STEP(cpu) do { } while (0)

/* A mutex the userspace module list uses; declared, never taken here. */
struct kmutex;

#endif
