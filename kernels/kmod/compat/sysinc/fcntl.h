/* <fcntl.h> in kernel mode: O_NONBLOCK, O_TRUNC. */
#include <linux/fcntl.h>
