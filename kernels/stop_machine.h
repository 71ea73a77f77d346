/*
 * stop_machine.h - stop_machine(), as include/linux/stop_machine.h
 * (stop_machine.c): run @fn while no other CPU is inside a
 * get_cpu()/put_cpu() region.  The other CPUs' side of the rendezvous
 * (parking at a quiescent point) is cpu.c's.
 */
#ifndef REFBENCH_STOP_MACHINE_H
#define REFBENCH_STOP_MACHINE_H

int stop_machine(int (*fn)(void *), void *data);

#endif
