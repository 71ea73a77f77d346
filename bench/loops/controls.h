/*
 * controls.h - what the controls (controls/, one file each, listed in
 * controls.def) share: the spread-array control's model of struct module
 * and its filler, and the page sizes.
 */
#ifndef REFBENCH_CONTROLS_H
#define REFBENCH_CONTROLS_H

#include <stddef.h>

/*
 * Bytes of struct module before its NR_CPUS array in the lab's model
 * (kernels/module.h: the fixed fields, then ref_embedded[] aligned to the
 * line); a test checks the two agree.
 */
#define CONTROL_HEADER 256

/* Single-byte nops after each operation's accesses in the filler cells. */
#define CONTROL_FILLER 20

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define PAGE_4K 4096ul
#define HUGE_2M (2ul << 20)

static inline size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

#endif
