/*
 * <stdio.h> in kernel mode: the schemes print only their WARN_ON messages,
 * with fprintf(stderr, ...); here they go to the kernel log.
 */
#include <linux/printk.h>
#define stderr NULL
#define fprintf(stream, ...) ((void)(stream), pr_warn(__VA_ARGS__))
