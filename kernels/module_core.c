/*
 * module_core.c - the state kernel/module.c keeps once for all modules:
 * the module list, module_mutex and the notifier chain.
 */
#include "module_core.h"

#include <pthread.h>
#include <string.h>

struct kmutex module_mutex = KMUTEX_INIT;
struct module_unload_stats module_unload_stats;
static struct module_link modules = { &modules, &modules, NULL, NULL };
static unsigned long nr_modules;

void module_list_add(struct module_link *l)
{
	l->next = modules.next;
	l->prev = &modules;
	modules.next->prev = l;
	modules.next = l;
	nr_modules++;
}

void module_list_del(struct module_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
	nr_modules--;
}

struct module_link *module_list_find(const char *scheme, const char *name)
{
	for (struct module_link *l = modules.next; l != &modules; l = l->next)
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
