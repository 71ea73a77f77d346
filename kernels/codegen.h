/*
 * codegen.h - which refcount operations a scheme's kernel had out of line.
 *
 * A scheme header sets SCHEME_OUT_OF_LINE to the operations that were
 * functions in kernel/module.c in the kernel it models (the rest were
 * static inline in include/linux/module.h):
 *
 *   2.6.28, 2.6.29   module_put() (EXPORT_SYMBOL); __module_get() and
 *                    try_module_get() inline
 *   3.19             __module_get(), try_module_get(), module_put()
 *   every era        module_refcount() (EXPORT_SYMBOL in 2.6.28, 2.6.29,
 *                    2.6.34, 3.18 and 3.19 kernel/module.c): the read
 *                    loop calls it as lsmod's path and delete_module did
 *
 * scheme_instance.c defines each of them as a real function,
 * scheme_<id>_<op>(), in its own translation unit (no LTO), and the
 * benchmark loops call those, so a measured get/put pays the kernel's own
 * calls.  The loops built with -DREFBENCH_CODEGEN_INLINE (the 'inline'
 * control) call the static inline versions instead.
 */
#ifndef REFBENCH_CODEGEN_H
#define REFBENCH_CODEGEN_H

#define OOL___MODULE_GET    0x1
#define OOL_TRY_MODULE_GET  0x2
#define OOL_MODULE_PUT      0x4
#define OOL_MODULE_REFCOUNT 0x8

#endif
