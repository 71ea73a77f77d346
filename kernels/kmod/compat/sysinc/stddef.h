/* <stddef.h> in kernel mode: the kernel's own types. */
#include <linux/types.h>
#include <linux/stddef.h>
