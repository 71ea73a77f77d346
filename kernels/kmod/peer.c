// SPDX-License-Identifier: GPL-2.0
/*
 * peer.c - an empty module that exists to be counted: refbench_kmod's
 * spread scenario takes and drops references on many loaded copies of it
 * (refbench_peer_0, _1, ...), each built from this file under its own name
 * (a generated peer_<n>.c defines PEER_INDEX and includes it).  Each copy
 * exports a pointer to its own struct module, which refbench_kmod finds
 * with __symbol_get() (pinning the copy while it runs).
 */
#include <linux/module.h>

#define CONCAT3_(a, b, c) a##b##c
#define CONCAT3(a, b, c) CONCAT3_(a, b, c)
#define PEER_SELF CONCAT3(refbench_peer_, PEER_INDEX, _self)

struct module *PEER_SELF = THIS_MODULE;
EXPORT_SYMBOL_GPL(PEER_SELF);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("refbench: a module for the spread scenario to count");
