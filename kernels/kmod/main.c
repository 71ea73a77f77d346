// SPDX-License-Identifier: GPL-2.0
/*
 * refbench_kmod - the lab's hot, read and spread scenarios in kernel mode,
 * and the kernel's own grace periods (grace).
 *
 * Loading the module checks its parameters and creates
 * /sys/kernel/debug/refbench_kmod/ with three files:
 *
 *   cases     every case: scenario, subject, kernel or model, the userspace
 *             figures it stands beside (beside=, grace), whether it can
 *             run here (or why not) and what one operation includes
 *   run       write anything: runs the selected cases, every thread count
 *             and repetition, then returns (the writer sleeps meanwhile)
 *   results   the kernel, the settings, one line per window (timed_ns:
 *             the case's own timing of its operations, grace; else 0)
 *
 * A window runs one kthread per CPU of the run, bound with kthread_bind()
 * to cpus[0], cpus[1], ...; thread 0 is the leader (kbench.h).  Before and
 * after every window the case's count is read: a window that does not
 * leave it where it found it is reported, never hidden.
 *
 * Parameters (refused at load with -EINVAL and one pr_err line):
 *   cpus=LIST       online CPUs to run on (default: every online CPU)
 *   threads=LIST    thread counts, each 1..the number of CPUs (default 1,N)
 *   schemes=LIST    subjects to run, "all" (default) or names from "cases"
 *   window_ms=N     each window's length, 1..10000 (default 200)
 *   reps=N          repetitions of each window, 1..100 (default 3)
 *   peers=N         spread the kernel's own refcount over N loaded copies,
 *                   refbench_peer_0 .. refbench_peer_<N-1> (default 0: no
 *                   kernel spread); they stay pinned until this module goes
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/cache.h>
#include <linux/rcupdate.h>

#include "kbench.h"

static char *cpus;
module_param(cpus, charp, 0444);
MODULE_PARM_DESC(cpus, "online CPUs to run on, e.g. 0-3 (default: all online)");
static char *threads;
module_param(threads, charp, 0444);
MODULE_PARM_DESC(threads, "thread counts, e.g. 1,4 (default: 1 and the number of CPUs)");
static char *schemes;
module_param(schemes, charp, 0444);
MODULE_PARM_DESC(schemes, "subjects to run, comma-separated, or all (default)");
static unsigned int window_ms = 200;
module_param(window_ms, uint, 0444);
MODULE_PARM_DESC(window_ms, "window length in ms, 1..10000");
static unsigned int reps = 3;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions of each window, 1..100");
static unsigned int peers;
module_param(peers, uint, 0444);
MODULE_PARM_DESC(peers, "loaded refbench_peer_N modules to spread over, 0..1024");

#define KBENCH_MAX_PEERS 1024

#define KBENCH_LAB(id) extern const struct kbench_case *const kbench_lab_##id[];
#include "lab_cases.h"
#undef KBENCH_LAB

static const struct kbench_case *const *const case_lists[] = {
	kbench_kernel_cases,
#define KBENCH_LAB(id) kbench_lab_##id,
#include "lab_cases.h"
#undef KBENCH_LAB
};

#define for_each_case(c, li, ci) \
	for (li = 0; li < ARRAY_SIZE(case_lists); li++) \
		for (ci = 0; (c = case_lists[li][ci]) != NULL; ci++)

u32 kbench_seq[KBENCH_SEQ_LEN];

static cpumask_var_t run_mask;
static int run_cpus[KBENCH_MAX_THREADS];
static int nr_run_cpus;
static int thread_counts[8];
static int nr_thread_counts;
static void *peer_mods[KBENCH_MAX_PEERS];
static unsigned int nr_peers_held;
static struct kbench_params params;
static struct dentry *dir;
static DEFINE_MUTEX(run_lock);

struct kbench_result {
	struct list_head node;
	const struct kbench_case *c;
	int threads, rep;
	u64 window_ns;
	u64 timed_ns;                   /* the threads' own timings, summed; 0: none */
	long count_start, count_end;
	u64 done[];
};
static LIST_HEAD(results);
static int last_run_status = -ENODATA;   /* no run yet */

const char *kbench_scenario_name(enum kbench_scenario s)
{
	switch (s) {
	case KBENCH_HOT: return "hot";
	case KBENCH_READ: return "read";
	case KBENCH_SPREAD: return "spread";
	case KBENCH_GRACE: return "grace";
	}
	return "?";
}

/* ---- the window ---------------------------------------------------------- */

void kbench_window_begin(struct kbench_thread *t)
{
	struct kbench_window *w = t->win;

	atomic_inc(&w->ready);
	while (atomic_read(&w->ready) < w->nr_threads)
		cpu_relax();
	if (t->leader)
		w->t0 = ktime_get_ns();
}

void kbench_window_end(struct kbench_thread *t, u64 done)
{
	struct kbench_window *w = t->win;

	if (t->leader) {
		w->t1 = ktime_get_ns();
		smp_store_release(&w->stop, 1);
	}
	t->done = done;
}

struct kbench_job {
	const struct kbench_case *c;
	void *state;
	struct kbench_thread t;
	struct completion done;
};

/*
 * Each thread leaves through kthread_complete_and_exit(), which never
 * returns into this module: once every completion has fired, no thread
 * runs module code any more and the module may go.
 */
static int kbench_thread_fn(void *arg)
{
	struct kbench_job *job = arg;

	job->c->loop(job->state, &job->t);
	kthread_complete_and_exit(&job->done, 0);
}

/* One window of case @c on @n threads; 0 or -errno (no thread could start). */
static int run_window(const struct kbench_case *c, void *state, int n, int rep)
{
	struct kbench_window win = { .nr_threads = n, .window_ns = (u64)window_ms * NSEC_PER_MSEC };
	struct task_struct **tasks;
	struct kbench_job *jobs;
	struct kbench_result *r;
	int i, err = 0;

	r = kzalloc(struct_size(r, done, n), GFP_KERNEL);
	jobs = kcalloc(n, sizeof(*jobs), GFP_KERNEL);
	tasks = kcalloc(n, sizeof(*tasks), GFP_KERNEL);
	if (!r || !jobs || !tasks) {
		err = -ENOMEM;
		goto out;
	}
	atomic_set(&win.ready, 0);
	for (i = 0; i < n; i++) {
		jobs[i] = (struct kbench_job){ .c = c, .state = state,
			.t = { .win = &win, .tid = i, .leader = i == 0 } };
		init_completion(&jobs[i].done);
		tasks[i] = kthread_create(kbench_thread_fn, &jobs[i], "refbench/%d", run_cpus[i]);
		if (IS_ERR(tasks[i])) {
			err = PTR_ERR(tasks[i]);
			pr_err("cannot start a kthread on CPU %d: %d\n", run_cpus[i], err);
			while (--i >= 0)
				kthread_stop(tasks[i]);    /* never woken: its function never runs */
			goto out;
		}
		kthread_bind(tasks[i], run_cpus[i]);
	}
	r->count_start = c->count(state);
	for (i = 0; i < n; i++)
		wake_up_process(tasks[i]);
	for (i = 0; i < n; i++)
		wait_for_completion(&jobs[i].done);
	r->count_end = c->count(state);
	r->c = c;
	r->threads = n;
	r->rep = rep;
	r->window_ns = win.t1 - win.t0;
	for (i = 0; i < n; i++) {
		r->done[i] = jobs[i].t.done;
		r->timed_ns += jobs[i].t.timed_ns;
	}
	if (r->count_end != r->count_start)
		pr_err("%s/%s: count %ld after the window, %ld before\n",
		       kbench_scenario_name(c->scenario), c->subject, r->count_end, r->count_start);
	list_add_tail(&r->node, &results);
	r = NULL;
out:
	kfree(r);
	kfree(jobs);
	kfree(tasks);
	return err;
}

static bool selected(const struct kbench_case *c)
{
	const char *s = schemes, *end;
	size_t len = strlen(c->subject);

	if (!s || !strcmp(s, "all"))
		return true;
	while (*s) {
		end = strchrnul(s, ',');
		if ((size_t)(end - s) == len && !strncmp(s, c->subject, len))
			return true;
		s = *end ? end + 1 : end;
	}
	return false;
}

static void free_results(void)
{
	struct kbench_result *r, *tmp;

	list_for_each_entry_safe(r, tmp, &results, node) {
		list_del(&r->node);
		kfree(r);
	}
}

static int run_all(void)
{
	const struct kbench_case *c;
	unsigned int li, ci;
	int err = 0;

	free_results();
	for_each_case(c, li, ci) {
		void *state = NULL;
		int k, rep;

		if (!selected(c) || (c->unavailable && c->unavailable(&params)))
			continue;
		err = c->setup(&state, &params);
		if (err) {
			pr_err("%s/%s: set-up failed: %d\n", kbench_scenario_name(c->scenario),
			       c->subject, err);
			break;
		}
		for (k = 0; k < nr_thread_counts && !err; k++) {
			if (c->single_thread && thread_counts[k] != 1)
				continue;
			for (rep = 0; rep < (int)reps && !err; rep++)
				err = run_window(c, state, thread_counts[k], rep);
		}
		c->teardown(state);
		if (err)
			break;
	}
	return err;
}

/* ---- debugfs ------------------------------------------------------------- */

static const char *preempt_model(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return "rt";
	if (IS_ENABLED(CONFIG_PREEMPT_DYNAMIC))
		return "dynamic";
	if (IS_ENABLED(CONFIG_PREEMPT))
		return "full";
	if (IS_ENABLED(CONFIG_PREEMPT_VOLUNTARY))
		return "voluntary";
	return "none";
}

static void show_kernel(struct seq_file *m)
{
	seq_printf(m, "kernel release=%s machine=%s nr_cpu_ids=%u nr_cpus=%d l1_cache_bytes=%d hz=%d preempt=%s cpus=%*pbl window_ms=%u reps=%u peers=%u threads=",
		   utsname()->release, utsname()->machine, nr_cpu_ids, NR_CPUS, L1_CACHE_BYTES,
		   HZ, preempt_model(), cpumask_pr_args(run_mask), window_ms, reps, nr_peers_held);
	for (int k = 0; k < nr_thread_counts; k++)
		seq_printf(m, "%s%d", k ? "," : "", thread_counts[k]);
	seq_putc(m, '\n');
}

static void show_case(struct seq_file *m, const char *what, const struct kbench_case *c)
{
	seq_printf(m, "%s scenario=%s subject=%s impl=%s reference=%s", what,
		   kbench_scenario_name(c->scenario), c->subject, c->impl, c->reference);
	if (c->beside)
		seq_printf(m, " beside=%s", c->beside);
}

static int cases_show(struct seq_file *m, void *v)
{
	const struct kbench_case *c;
	unsigned int li, ci;

	show_kernel(m);
	for_each_case(c, li, ci) {
		const char *why = c->unavailable ? c->unavailable(&params) : NULL;

		show_case(m, "case", c);
		seq_printf(m, " selected=%d available=%d includes=%s\n", selected(c), !why,
			   c->includes);
		if (why) {
			show_case(m, "unavailable", c);
			seq_printf(m, " reason=%s\n", why);
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cases);

static int results_show(struct seq_file *m, void *v)
{
	const struct kbench_case *c;
	struct kbench_result *r;
	unsigned int li, ci;

	mutex_lock(&run_lock);
	show_kernel(m);
	seq_printf(m, "status run=%d\n", last_run_status);
	for_each_case(c, li, ci) {
		const char *why = c->unavailable ? c->unavailable(&params) : NULL;

		if (why && selected(c)) {
			show_case(m, "unavailable", c);
			seq_printf(m, " reason=%s\n", why);
		}
	}
	list_for_each_entry(r, &results, node) {
		show_case(m, "result", r->c);
		seq_printf(m, " threads=%d rep=%d window_ns=%llu timed_ns=%llu count_start=%ld count_end=%ld modules=%u ops=",
			   r->threads, r->rep, r->window_ns, r->timed_ns, r->count_start, r->count_end,
			   r->c->scenario == KBENCH_SPREAD ? params.nr_modules : 1);
		for (int i = 0; i < r->threads; i++)
			seq_printf(m, "%s%llu", i ? "," : "", r->done[i]);
		seq_putc(m, '\n');
	}
	mutex_unlock(&run_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(results);

static ssize_t run_write(struct file *f, const char __user *buf, size_t len, loff_t *pos)
{
	int err;

	if (mutex_lock_interruptible(&run_lock))
		return -EINTR;
	err = run_all();
	last_run_status = err;
	mutex_unlock(&run_lock);
	return err ? err : (ssize_t)len;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
	.llseek = noop_llseek,
};

/* ---- parameters ---------------------------------------------------------- */

static int parse_cpus(void)
{
	int cpu, err;

	if (!cpus) {
		cpumask_copy(run_mask, cpu_online_mask);
	} else {
		err = cpulist_parse(cpus, run_mask);
		if (err) {
			pr_err("cpus='%s' is not a CPU list (accepted: online CPUs, e.g. 0-3 or 0,2)\n", cpus);
			return -EINVAL;
		}
		if (cpumask_empty(run_mask)) {
			pr_err("cpus='%s' names no CPU (accepted: at least one online CPU, e.g. 0-3)\n", cpus);
			return -EINVAL;
		}
		for_each_cpu(cpu, run_mask) {
			if (!cpu_online(cpu)) {
				pr_err("cpus='%s': CPU %d is not online (online: %*pbl)\n", cpus, cpu,
				       cpumask_pr_args(cpu_online_mask));
				return -EINVAL;
			}
		}
	}
	nr_run_cpus = 0;
	for_each_cpu(cpu, run_mask) {
		if (nr_run_cpus == KBENCH_MAX_THREADS) {
			pr_err("cpus='%s' names more than %d CPUs\n", cpus ? cpus : "(online)",
			       KBENCH_MAX_THREADS);
			return -EINVAL;
		}
		run_cpus[nr_run_cpus++] = cpu;
	}
	return 0;
}

static int parse_threads(void)
{
	const char *s = threads;

	nr_thread_counts = 0;
	if (!s) {
		thread_counts[nr_thread_counts++] = 1;
		if (nr_run_cpus > 1)
			thread_counts[nr_thread_counts++] = nr_run_cpus;
		return 0;
	}
	while (*s) {
		char num[12];
		const char *end = strchrnul(s, ',');
		size_t len = end - s;
		int n;

		if (len == 0 || len >= sizeof(num) || nr_thread_counts == ARRAY_SIZE(thread_counts))
			goto bad;
		memcpy(num, s, len);
		num[len] = '\0';
		if (kstrtoint(num, 10, &n) || n < 1 || n > nr_run_cpus)
			goto bad;
		thread_counts[nr_thread_counts++] = n;
		s = *end ? end + 1 : end;
	}
	if (nr_thread_counts)
		return 0;
bad:
	pr_err("threads='%s' is not accepted (up to %zu counts, each 1..%d, the CPUs of the run)\n",
	       threads, ARRAY_SIZE(thread_counts), nr_run_cpus);
	return -EINVAL;
}

static int check_schemes(void)
{
	const struct kbench_case *c;
	const char *s = schemes, *end;
	unsigned int li, ci;

	if (!s || !strcmp(s, "all"))
		return 0;
	if (!*s)
		goto bad;
	while (*s) {
		bool known = false;

		end = strchrnul(s, ',');
		for_each_case(c, li, ci)
			if (strlen(c->subject) == (size_t)(end - s) && !strncmp(s, c->subject, end - s))
				known = true;
		if (!known) {
			pr_err("schemes: unknown scheme '%.*s' (accepted: all, or names listed in debugfs refbench_kmod/cases)\n",
			       (int)(end - s), s);
			return -EINVAL;
		}
		s = *end ? end + 1 : end;
	}
	return 0;
bad:
	pr_err("schemes='' names no scheme (accepted: all, or a comma-separated list)\n");
	return -EINVAL;
}

static void put_peers(void)
{
	char sym[48];

	while (nr_peers_held > 0) {
		nr_peers_held--;
		snprintf(sym, sizeof(sym), "refbench_peer_%u_self", nr_peers_held);
		__symbol_put(sym);
	}
}

/* Pin the peer modules (symbol_get takes a reference on each). */
static int get_peers(void)
{
	char sym[48];

	for (unsigned int i = 0; i < peers; i++) {
		struct module **self;

		snprintf(sym, sizeof(sym), "refbench_peer_%u_self", i);
		self = __symbol_get(sym);
		if (!self) {
			pr_err("peers=%u: refbench_peer_%u is not loaded (accepted: 0, or N with refbench_peer_0..N-1 loaded)\n",
			       peers, i);
			put_peers();
			return -EINVAL;
		}
		peer_mods[nr_peers_held++] = *self;
	}
	return 0;
}

static int __init kbench_init(void)
{
	int err;

	if (window_ms == 0 || window_ms > 10000) {
		pr_err("window_ms=%u is not accepted (1..10000)\n", window_ms);
		return -EINVAL;
	}
	if (reps == 0 || reps > 100) {
		pr_err("reps=%u is not accepted (1..100)\n", reps);
		return -EINVAL;
	}
	if (peers > KBENCH_MAX_PEERS) {
		pr_err("peers=%u is not accepted (0..%d)\n", peers, KBENCH_MAX_PEERS);
		return -EINVAL;
	}
	if (!zalloc_cpumask_var(&run_mask, GFP_KERNEL))
		return -ENOMEM;
	err = kbench_pda_init();
	if (err) {
		free_cpumask_var(run_mask);
		return err;
	}
	err = parse_cpus();
	if (!err)
		err = parse_threads();
	if (!err)
		err = check_schemes();
	if (!err)
		err = get_peers();
	if (err)
		goto fail;
	params.peers = peer_mods;
	params.nr_modules = nr_peers_held;
	for (int i = 0; i < KBENCH_SEQ_LEN; i++)
		kbench_seq[i] = nr_peers_held ? get_random_u32() % nr_peers_held : 0;

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dir)) {
		pr_err("cannot create debugfs directory %s (is debugfs enabled?)\n", KBUILD_MODNAME);
		err = PTR_ERR(dir);
		put_peers();
		goto fail;
	}
	debugfs_create_file("cases", 0444, dir, NULL, &cases_fops);
	debugfs_create_file("results", 0444, dir, NULL, &results_fops);
	debugfs_create_file("run", 0200, dir, NULL, &run_fops);
	return 0;
fail:
	kbench_pda_exit();
	free_cpumask_var(run_mask);
	return err;
}

static void __exit kbench_exit(void)
{
	debugfs_remove_recursive(dir);
	free_results();
	put_peers();
	kbench_pda_exit();
	free_cpumask_var(run_mask);
	/* kernel-percpu_ref's release function, this module's code, runs from
	 * an RCU callback: let every callback in flight return first. */
	rcu_barrier();
}

module_init(kbench_init);
module_exit(kbench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("refbench: module reference counts timed in kernel mode");
