/* <errno.h> in kernel mode. */
#include <linux/errno.h>
