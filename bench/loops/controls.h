/*
 * controls.h - control loops that vary one cause alone (controls.c).
 */
#ifndef REFBENCH_CONTROLS_H
#define REFBENCH_CONTROLS_H

#include "gbench.h"
#include "module_layout.h"

#include <stdbool.h>

/*
 * Bytes of struct module before its NR_CPUS array in the lab's model
 * (kernels/module.h: the fixed fields, then ref_embedded[] aligned to the
 * line); a test checks the two agree.
 */
#define CONTROL_HEADER 256

/* Single-byte nops after each operation's accesses in the filler cells. */
#define CONTROL_FILLER 20

struct control_args {
	unsigned int nr_cpus, modules, line;
	bool huge;                    /* 2 MiB pages, else 4 KiB */
	enum layout_offset offset;
	unsigned int filler;          /* 0, or CONTROL_FILLER nops an operation */
};

struct walk_args {
	unsigned int counts;          /* words summed per operation */
	size_t stride;                /* bytes between them */
	bool huge;                    /* 2 MiB pages, else 4 KiB */
};

struct tlb_args {
	unsigned int span;            /* pages the chase visits, one line in each */
	bool huge;                    /* 2 MiB pages, else 4 KiB */
};

/* A dependent chase over one line in each of @span pages: the TLB's reach. */
void control_tlb_chase(rb_state *st, void *arg);

/* module_refcount()'s loads alone: @counts words @stride apart. */
void control_walk(rb_state *st, void *arg);

/* The spread accesses of an NR_CPUS array scheme, as a plain loop. */
void control_spread(rb_state *st, void *arg);
enum rcu_control_kind {
	RCU_CONTROL_SYNC,             /* synchronize_sched(): urcu_qsbr_synchronize_rcu() */
	RCU_CONTROL_SYNC_WAKE,        /* the same, then wake_up_process() of the caller */
	RCU_CONTROL_CALL,             /* urcu_qsbr_call_rcu(), sleep until the callback ran */
};

struct rcu_control_args {
	enum rcu_control_kind kind;
};

/* liburcu's grace period alone: percpu-ref's read and kill without the ref. */
void control_rcu(rb_state *st, void *arg);

/* Plain's increment and decrement on the line of a fresh CPU-number read,
 * *(bool *)arg: with the lab's registration check, or without. */
void control_get_cpu(rb_state *st, void *arg);

/* Give back what the last control kept. */
void controls_release(void);

#endif
