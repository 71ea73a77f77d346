/*
 * kbench.h - what the translation units of refbench_kmod share: the cases
 * it measures and the same-window loop they run in.
 *
 * The module times, on one kthread per listed CPU (kthread_bind), the
 * running kernel's own references and the lab's schemes compiled in kernel
 * mode.  Every case is a struct kbench_case; main.c knows nothing of what
 * a case does and only starts, stops and publishes its windows:
 *
 *   kernel_refs.c      the kernel's own: try_module_get(THIS_MODULE) +
 *                      module_put(), module_refcount(), percpu_ref,
 *                      atomic_t, rcuref (6.4+)
 *   lab_scheme.c       one lab scheme (kernels/scheme_<id>.h) against the
 *                      kernel-side compat headers (compat/), built once per
 *                      line of schemes.def
 *
 * The window is the userspace harness's (bench/core/window.h): thread 0, the
 * leader, runs whole batches until its window has lasted window_ms, then
 * raises a stop flag; the others run whole batches until they see it.
 * Between batches each thread calls cond_resched(), the kernel's own
 * scheduling point, where the userspace model reports its quiescent state.
 * Preemption and interrupts stay as the kernel has them: a figure includes
 * whatever interrupts and preemptions hit the window.
 *
 * The grace scenario's cases take milliseconds an operation, not
 * nanoseconds: they run one thread, one operation at a time
 * (KBENCH_WINDOW_EACH), at least KBENCH_GRACE_MIN_OPS of them and on until
 * the window is over, and time each operation themselves, from the call to
 * the event they name (t->timed_ns, the sum): a figure is their mean.
 */
#ifndef REFBENCH_KMOD_KBENCH_H
#define REFBENCH_KMOD_KBENCH_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#define KBENCH_BATCH 256
#define KBENCH_MAX_THREADS 256

struct kbench_window;

/* One thread of one window. */
struct kbench_thread {
	struct kbench_window *win;
	int tid;
	bool leader;
	u64 done;                      /* operations done in the window */
	u64 timed_ns;                  /* the case's own timing of its operations
					* (summed), or 0: the window times them */
	unsigned long sink;            /* results of reads, kept live */
};

struct kbench_window {
	atomic_t ready;                /* threads at the start line */
	int nr_threads;
	int stop;                      /* the leader's stop flag */
	u64 window_ns;
	u64 t0, t1;                    /* the leader's window */
};

/* Settings every case sees at set-up. */
struct kbench_params {
	unsigned int nr_modules;       /* spread: modules to spread over */
	void **peers;                  /* spread on the kernel's own: the peers' struct module */
};

enum kbench_scenario { KBENCH_HOT, KBENCH_READ, KBENCH_SPREAD, KBENCH_GRACE };

struct kbench_case {
	enum kbench_scenario scenario;
	const char *subject;           /* the kernel's reference or the lab scheme's name */
	const char *impl;              /* "kernel" (the kernel's code) or "model" (the lab's) */
	const char *reference;         /* the lab scheme this is measured beside */
	/*
	 * The userspace figures to set beside this one, when they are not the
	 * reference's in the same scenario: comma-separated COUNTER@PREFIX,
	 * the counter of the userspace benchmarks whose names start with
	 * PREFIX (no spaces), e.g. "unload_ns@unload/percpu-ref/".  NULL: none.
	 */
	const char *beside;
	const char *includes;          /* what one operation of the figure includes */
	bool single_thread;            /* read: one thread, idle */
	/* NULL when the case can run here, else why not (one line). */
	const char *(*unavailable)(const struct kbench_params *p);
	/* Build the object(s) the loop works on.  0 or -errno. */
	int (*setup)(void **state, const struct kbench_params *p);
	/* The measured loop: KBENCH_WINDOW_RUN around the operation. */
	void (*loop)(void *state, struct kbench_thread *t);
	/* The count the loop must leave as it found it. */
	long (*count)(void *state);
	/* Free what setup() built; reports a count a final check found wrong. */
	void (*teardown)(void *state);
};

const char *kbench_scenario_name(enum kbench_scenario s);

/* Every case a translation unit offers, NULL-terminated. */
extern const struct kbench_case *const kbench_kernel_cases[];

/* The leader's clock: stop once the window is over. */
static inline bool kbench_window_over(const struct kbench_window *w)
{
	return ktime_get_ns() - w->t0 >= w->window_ns;
}

/* Every thread at the start line before anybody starts; the leader's clock starts. */
void kbench_window_begin(struct kbench_thread *t);
/* The leader stops the others; every thread leaves its count. */
void kbench_window_end(struct kbench_thread *t, u64 done);

/*
 * The loop of bench/core/window.h, in kernel mode: whole batches of BODY, a
 * scheduling point between batches, the leader stops on its clock, the
 * others on its flag.  done is exact for every thread.
 */
#define KBENCH_WINDOW_RUN(t, BODY)                                            \
	do {                                                                  \
		struct kbench_window *const __w = (t)->win;                   \
		const bool __leader = (t)->leader;                            \
		u64 __done = 0;                                               \
		kbench_window_begin(t);                                       \
		for (;;) {                                                    \
			for (unsigned int __i = 0; __i < KBENCH_BATCH; __i++) { \
				BODY;                                         \
			}                                                     \
			__done += KBENCH_BATCH;                               \
			cond_resched();                                       \
			if (__leader ? kbench_window_over(__w)                \
				     : READ_ONCE(__w->stop))                  \
				break;                                        \
		}                                                             \
		kbench_window_end(t, __done);                                 \
	} while (0)

/*
 * The grace scenario's loop: one operation at a time, a scheduling point
 * after each, at least KBENCH_GRACE_MIN_OPS and on until the window is
 * over.  Single-threaded cases only (the leader's clock stops it).  BODY
 * may break out: the operation is then not counted.
 */
#define KBENCH_GRACE_MIN_OPS 8
#define KBENCH_WINDOW_EACH(t, BODY)                                           \
	do {                                                                  \
		struct kbench_window *const __w = (t)->win;                   \
		u64 __done = 0;                                               \
		kbench_window_begin(t);                                       \
		for (;;) {                                                    \
			BODY;                                                 \
			__done++;                                             \
			cond_resched();                                       \
			if (__done >= KBENCH_GRACE_MIN_OPS && kbench_window_over(__w)) \
				break;                                        \
		}                                                             \
		kbench_window_end(t, __done);                                 \
	} while (0)

/* 2.6.29's x86-64 pdas for the percpu scheme (pda.c). 0 or -ENOMEM. */
int kbench_pda_init(void);
void kbench_pda_exit(void);

/* A draw of module indices for spread: the same for every case. */
#define KBENCH_SEQ_LEN 4096
extern u32 kbench_seq[KBENCH_SEQ_LEN];

#endif
