/*
 * tlb.h - the data TLB's geometry as the CPU reports it (cpuid), so that a
 * module-count sweep can be read against the TLB's reach.  Intel: leaf
 * 0x18 (deterministic address translation parameters); AMD: leaves
 * 0x80000005 and 0x80000006.  A CPU (or a hypervisor) that reports nothing
 * gets "unknown" with the reason, never a guess.
 */
#ifndef REFBENCH_TLB_H
#define REFBENCH_TLB_H

#include <stdio.h>

/* Write {"method": ..., "levels": [...]} or {"method": null, "reason": ...}. */
void tlb_write_json(FILE *f);

#endif
