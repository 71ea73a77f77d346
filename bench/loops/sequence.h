/*
 * sequence.h - which module a spread loop touches next: a per-thread
 * sequence of module indexes drawn before the window, shared by the
 * spread scenario and the spread-array control (controls/spread_array.c),
 * so that both make exactly the same accesses.
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

/*
 * The two words a get and a put touch in one module, found before the
 * window: what the plain loops (spread's codegen:plain over a scheme's own
 * modules, the control loop over memory of its own) walk, with the same
 * instructions, so that the two differ in memory alone.
 */
struct spread_ref {
	volatile int *state;             /* struct module's state word */
	volatile unsigned int *count;    /* this CPU's count */
};

/*
 * One plain operation on the module @seq names next: read its state, then
 * increment and decrement this CPU's count (32 bits: any count of 4 bytes
 * or more comes back).
 */
#define SPREAD_PLAIN_OP(refs, seq, pos)                                              \
	do {                                                                         \
		const struct spread_ref *r_ = &(refs)[(seq)[(pos)++ & (SPREAD_SEQ - 1)]]; \
		(void)*r_->state;                                                    \
		__asm__ __volatile__("incl %0" : "+m"(*r_->count));                  \
		__asm__ __volatile__("decl %0" : "+m"(*r_->count));                  \
	} while (0)

#endif
