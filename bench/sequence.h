/*
 * sequence.h - which module a spread loop touches next: a per-thread
 * sequence of module indexes drawn before the window, shared by the
 * spread scenario and its control loops (controls.c) so that both make
 * exactly the same accesses.
 */
#ifndef REFBENCH_SEQUENCE_H
#define REFBENCH_SEQUENCE_H

#include <stdbool.h>
#include <stdint.h>

#define SPREAD_SEQ 16384u     /* per-thread sequence of module indexes */

/* xorshift64: the next value of state @s. */
uint64_t xorshift64(uint64_t *s);
/*
 * Fill @seq with SPREAD_SEQ module indexes below @n, uniform or Zipf(1)
 * (ranks mapped to modules through a fixed shuffle), from @seed.
 */
void spread_sequence(uint32_t *seq, unsigned int n, bool zipf, uint64_t seed);

#endif
