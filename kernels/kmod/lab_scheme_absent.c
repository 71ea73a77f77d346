// SPDX-License-Identifier: GPL-2.0
/*
 * lab_scheme_absent.c - a scheme of the lab's that is not built in kernel
 * mode: its hot, spread and read cases are listed, each unavailable with
 * the reason its header gives (SCHEME_KERNEL_MODE_ABSENT), so the results
 * say why the model's kernel-mode figure is missing.  Built through a
 * generated lab_<id>.c that defines SCHEME_ID, SCHEME_NAME and the reason.
 */
#if !defined(SCHEME_ID) || !defined(SCHEME_NAME) || !defined(SCHEME_KERNEL_MODE_ABSENT)
#error "build through a generated lab_<id>.c"
#endif
#include "kbench.h"

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

static const char *absent_reason(const struct kbench_params *p)
{
	return SCHEME_KERNEL_MODE_ABSENT;
}

#define ABSENT_CASE(var, sc) \
	static const struct kbench_case var = { \
		.scenario = sc, .subject = SCHEME_NAME, .impl = "model", \
		.reference = SCHEME_NAME, .includes = "not built in kernel mode", \
		.unavailable = absent_reason, \
	}
ABSENT_CASE(absent_hot_case, KBENCH_HOT);
ABSENT_CASE(absent_spread_case, KBENCH_SPREAD);
ABSENT_CASE(absent_read_case, KBENCH_READ);

const struct kbench_case *const CONCAT(kbench_lab_, SCHEME_ID)[] = {
	&absent_hot_case,
	&absent_spread_case,
	&absent_read_case,
	NULL,
};
