/*
 * get_cpu.c - the get-cpu control (--get-cpu-controls): plain's increment
 * and decrement after a CPU-number read, with the lab's registration
 * check (check:lab) and without it (check:none).
 */
#define _GNU_SOURCE
#include "controls.h"
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "window.h"

/*
 * What the lab's smp_processor_id() adds to the kernel's.  2.6.29 on x86-64
 * read the CPU number with one load, %gs:cpunumber of the PDA; the lab
 * reads its thread's CPU number with one TLS load too, then tests it for
 * the -1 of a thread that never registered (test; js to a cold call).
 * Both cells do plain's increment and decrement of this CPU's own line,
 * each on the line that a fresh CPU-number read names (the empty asm with a
 * memory clobber makes the compiler read it again, as a call between them
 * does in the scenarios); check:lab reads it with the lab's
 * smp_processor_id(), check:none with the same load and no test.
 */
static struct {
	local_t l;
} ____cacheline_aligned cpu_lines[REFBENCH_NR_CPUS_MAX];

static inline int cpu_number_unchecked(void)
{
	return refbench_this_cpu;
}

static void control_get_cpu(rb_state *st, void *arg)
{
	const bool check = *(const bool *)arg;
	struct window w;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	if (check) {
		WINDOW_RUN(&w, {
			local_inc(&cpu_lines[get_cpu()].l);
			put_cpu();
			__asm__ __volatile__("" : : : "memory");
			local_dec(&cpu_lines[get_cpu()].l);
			put_cpu();
			__asm__ __volatile__("" : : : "memory");
		});
	} else {
		WINDOW_RUN(&w, {
			local_inc(&cpu_lines[cpu_number_unchecked()].l);
			__asm__ __volatile__("" : : : "memory");
			local_dec(&cpu_lines[cpu_number_unchecked()].l);
			__asm__ __volatile__("" : : : "memory");
		});
	}
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

/* --get-cpu-controls: the control is on. */
static bool get_cpu_on;

static void take_get_cpu_controls(const char *flag, const char *val)
{
	(void)flag;
	(void)val;
	get_cpu_on = true;
}

static const struct loop_option get_cpu_options[] = {
	{ "--get-cpu-controls", NULL, false,
"  --get-cpu-controls control: plain's increment and decrement on this CPU's line,\n"
"                     each after a CPU-number read with the lab's registration\n"
"                     check (check:lab) and without it (check:none)\n",
	  take_get_cpu_controls },
	{ NULL, NULL, false, NULL, NULL },
};

static void add_get_cpu(const struct loop_settings *s)
{
	static bool with = true, without = false;

	if (!get_cpu_on)
		return;
	loop_add(s, "control/get-cpu/check:lab", control_get_cpu, &with, s->run->threads,
		 s->run->nr_threads);
	loop_add(s, "control/get-cpu/check:none", control_get_cpu, &without, s->run->threads,
		 s->run->nr_threads);
}

const struct loop_desc loop_get_cpu = {
	.name = "get-cpu",
	.role = ROLE_CONTROL,
	.label = "the CPU-number read, checked or not",
	.claims = CLAIMS("get-cpu-check"),
	.source = __FILE__,
	.scenario = -1,
	.add = add_get_cpu,
	.options = get_cpu_options,
};
