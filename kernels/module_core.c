/*
 * module_core.c - the state kernel/module.c keeps once for all modules:
 * the module list, module_mutex and the notifier chain.
 *
 * Departure: the kernel's find_module() walks the module list (2.6.29,
 * list_for_each_entry over "modules"), which is fine for the hundred or so
 * modules a kernel loads.  The lab loads up to 50,000 to sweep working
 * sets, and a walk per load over modules in as many pages made loading
 * quadratic (minutes of cache misses), so names are also kept in a hash
 * index; the list stays the list.
 */
#include "module_core.h"

#include <pthread.h>
#include <string.h>

struct kmutex module_mutex = KMUTEX_INIT;

/* ---- the module trace points (module_core.h) ----------------------------- */

struct module_tracepoint tracepoint_module_get, tracepoint_module_put;
static unsigned long tracepoint_hits;

void tracepoint_module_enable(bool on)
{
	__atomic_store_n(&tracepoint_module_get.state, on, __ATOMIC_SEQ_CST);
	__atomic_store_n(&tracepoint_module_put.state, on, __ATOMIC_SEQ_CST);
}

unsigned long tracepoint_module_hits(void)
{
	return __atomic_load_n(&tracepoint_hits, __ATOMIC_SEQ_CST);
}

void tracepoint_module_probe(struct module_tracepoint *tp, const void *mod)
{
	(void)tp;
	(void)mod;
	__atomic_fetch_add(&tracepoint_hits, 1, __ATOMIC_RELAXED);
}
struct module_unload_stats module_unload_stats;
static struct module_link modules = { &modules, &modules, NULL, NULL, NULL };
static unsigned long nr_modules;

#define NAME_HASH 65536
static struct module_link *name_index[NAME_HASH];

static unsigned int name_hash(const char *scheme, const char *name)
{
	unsigned int h = 2166136261u;           /* FNV-1a */

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = scheme; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % NAME_HASH;
}

void module_list_add(struct module_link *l)
{
	unsigned int h = name_hash(l->scheme, l->name);

	l->next = modules.next;
	l->prev = &modules;
	modules.next->prev = l;
	modules.next = l;
	l->hnext = name_index[h];
	name_index[h] = l;
	nr_modules++;
}

void module_list_del(struct module_link *l)
{
	struct module_link **pp = &name_index[name_hash(l->scheme, l->name)];

	while (*pp && *pp != l)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = l->hnext;
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
	nr_modules--;
}

struct module_link *module_list_find(const char *scheme, const char *name)
{
	for (struct module_link *l = name_index[name_hash(scheme, name)]; l; l = l->hnext)
		if (strcmp(l->name, name) == 0 && strcmp(l->scheme, scheme) == 0)
			return l;
	return NULL;
}

unsigned long module_list_count(void)
{
	return nr_modules;
}

#define MAX_NOTIFIERS 8
static struct {
	module_notifier_fn fn;
	void *data;
} notifiers[MAX_NOTIFIERS];
static pthread_mutex_t notifier_lock = PTHREAD_MUTEX_INITIALIZER;

void register_module_notifier(module_notifier_fn fn, void *data)
{
	pthread_mutex_lock(&notifier_lock);
	for (int i = 0; i < MAX_NOTIFIERS; i++) {
		if (!notifiers[i].fn) {
			notifiers[i].fn = fn;
			notifiers[i].data = data;
			break;
		}
	}
	pthread_mutex_unlock(&notifier_lock);
}

void unregister_module_notifier(module_notifier_fn fn, void *data)
{
	pthread_mutex_lock(&notifier_lock);
	for (int i = 0; i < MAX_NOTIFIERS; i++)
		if (notifiers[i].fn == fn && notifiers[i].data == data)
			notifiers[i].fn = NULL;
	pthread_mutex_unlock(&notifier_lock);
}

void module_notify(int state, const char *scheme, const char *name, void *mod)
{
	pthread_mutex_lock(&notifier_lock);
	for (int i = 0; i < MAX_NOTIFIERS; i++)
		if (notifiers[i].fn)
			notifiers[i].fn(state, scheme, name, mod, notifiers[i].data);
	pthread_mutex_unlock(&notifier_lock);
}
