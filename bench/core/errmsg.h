/*
 * errmsg.h - the one-line error message the bench libraries hand back to
 * their callers (placement, counters): formatted into err, if given; and
 * die(), refbench's one-line error that ends the process.
 */
#ifndef REFBENCH_ERRMSG_H
#define REFBENCH_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Print "refbench: <message>" on one line and exit with status 2 (die.c). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
