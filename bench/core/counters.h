/*
 * Per-thread performance counters through the perf_event_open(2) system call.
 *
 * Use:
 *   counters_parse(spec, &cfg, err, sizeof err)   once, from --counters=
 *   counters_probe(&cfg)                          once, on the main thread
 *   counters_write_json / counters_print_console  report availability
 *   counters_missing_explicit(&cfg)               > 0: exit non-zero (the user named an
 *                                                 event this machine cannot count)
 * then on every measuring thread, outside the timed loop:
 *   counters_thread_open(&ct, &cfg, ...)          before the window
 *   counters_thread_start(&ct)                    at window start (reset + enable)
 *   counters_thread_stop(&ct)                     at window end (disable)
 *   counters_thread_read(&ct, &vals)              after the window
 *   counters_thread_close(&ct)
 * and sum the threads with counters_values_add().
 *
 * Counting mode: hardware, cache and raw events and page_faults count user space only
 * (exclude_kernel=1, exclude_hv=1): the operations under test run in user space, and a
 * user-only event is allowed at every perf_event_paranoid level up to 2.
 * context_switches and cpu_migrations are recorded by the kernel in kernel context, so a
 * user-only counter of them always reads 0; they are opened with exclude_kernel=0 and,
 * where perf_event_paranoid forbids that, reported unsupported (never as 0).
 *
 * llc_misses is PERF_COUNT_HW_CACHE_MISSES (perf's "cache-misses"): on x86 it counts
 * every core request that misses the last-level cache, read-for-ownership included, which
 * is the traffic a bouncing counter line causes. The generic LL/READ/MISS cache event
 * counts demand reads only and is missing on several PMUs.
 */
#ifndef REFBENCH_COUNTERS_H
#define REFBENCH_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define COUNTERS_MAX_EVENTS 24
#define COUNTERS_NAME_MAX 32
#define COUNTERS_REASON_MAX 96
/* perf_event_paranoid could not be read. */
#define PARANOID_UNKNOWN (-100)

enum counters_kind {
	COUNTERS_KIND_HARDWARE, /* PERF_TYPE_HARDWARE */
	COUNTERS_KIND_CACHE,    /* PERF_TYPE_HW_CACHE */
	COUNTERS_KIND_RAW,      /* PERF_TYPE_RAW, from "raw:0xNNNN=name" */
	COUNTERS_KIND_SOFTWARE, /* PERF_TYPE_SOFTWARE */
};

enum counters_status {
	COUNTERS_UNPROBED = 0,
	COUNTERS_SUPPORTED,
	COUNTERS_UNSUPPORTED,
};

struct counters_event {
	char name[COUNTERS_NAME_MAX];
	enum counters_kind kind;
	uint32_t type;         /* perf_event_attr.type */
	uint64_t config;       /* perf_event_attr.config */
	bool exclude_kernel;   /* as opened (see the note at the top) */
	bool explicit_request; /* named in the spec (not only implied by "all") */
	enum counters_status status;
	char reason[COUNTERS_REASON_MAX]; /* why unsupported; empty otherwise */
};

struct counters_config {
	int n; /* selected events, in the order of ev[] */
	struct counters_event ev[COUNTERS_MAX_EVENTS];
	int paranoid; /* /proc/sys/kernel/perf_event_paranoid, or -100 when unreadable */
	bool probed;
};

/* Parse "all", "none" or a comma list of event names (see counters_event_names()).
 * A list may contain "all" (every built-in event) and raw events "raw:0xNNNN=name"
 * (name: lower-case letters, digits, '_', not a built-in name).  Returns 0, or -1 with
 * a one-line message in err naming the bad item and the accepted names. */
int counters_parse(const char *spec, struct counters_config *cfg, char *err, size_t errlen);

/* Comma-separated list of the built-in event names (static string). */
const char *counters_event_names(void);

/* Open every selected event alone on the calling thread and record whether it can be
 * counted, with the reason when it cannot. */
void counters_probe(struct counters_config *cfg);

/* Number of events the user named explicitly that turned out unsupported. */
int counters_missing_explicit(const struct counters_config *cfg);

/* Number of selected events that are supported (after counters_probe). */
int counters_supported_count(const struct counters_config *cfg);

/* Availability as one JSON object (no trailing newline):
 * {"paranoid": N|null, "exclude_kernel_note": "...", "events": {"cycles": {"supported":
 *  false, "reason": "...", "method": "hardware-counter", "explicit": false}, ...}} */
void counters_write_json(FILE *f, const struct counters_config *cfg);

/* One line per unsupported selected event: "counters: NAME unsupported: REASON". */
void counters_print_console(FILE *f, const struct counters_config *cfg);

/* ---------------------------------------------------------------- per thread */

struct counters_thread {
	int n;                          /* == cfg->n */
	int fd[COUNTERS_MAX_EVENTS];    /* -1: not open (unsupported) */
	uint64_t id[COUNTERS_MAX_EVENTS];
	int leader[COUNTERS_MAX_EVENTS]; /* index of this event's group leader, -1 if not open */
	bool split; /* hardware group did not fit on the PMU: events opened as separate
	             * groups, the kernel multiplexes them and the counts are scaled */
	char note[128]; /* why split, for the run's label/context */
};

struct counters_value {
	bool present;     /* counted: time_running > 0 (absent values are not zero: skip) */
	bool multiplexed; /* time_running < time_enabled: scaled is an estimate */
	uint64_t raw;
	uint64_t time_enabled; /* ns */
	uint64_t time_running; /* ns */
	double scaled;         /* raw * time_enabled / time_running */
	double running_ratio;  /* time_running / time_enabled (0 if never enabled);
	                        * in a sum: the lowest ratio of the values added */
};

struct counters_values {
	int n; /* == cfg->n, same indexing as cfg->ev[] */
	int nadded; /* counters_values_add: how many per-thread values were summed */
	struct counters_value v[COUNTERS_MAX_EVENTS];
};

/* Open the selected events that the probe did not reject on the calling thread
 * (pid 0, any CPU): one group for hardware/cache/raw events, one for software events.
 * All start disabled. Returns 0, or -1 with a message (every fd closed again). */
int counters_thread_open(struct counters_thread *ct, const struct counters_config *cfg,
			 char *err, size_t errlen);
/* Reset and enable every group (PERF_IOC_FLAG_GROUP). */
void counters_thread_start(struct counters_thread *ct);
/* Disable every group. */
void counters_thread_stop(struct counters_thread *ct);
/* Read every group into out (out->n = ct->n). Returns 0, or -1 if a read failed
 * (the events of that group are then absent). */
int counters_thread_read(struct counters_thread *ct, struct counters_values *out);
void counters_thread_close(struct counters_thread *ct);

/* Decode one read() buffer of a group opened with read_format = PERF_FORMAT_GROUP |
 * PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID:
 *   u64 nr, time_enabled, time_running; { u64 value, id } [nr]
 * ids[k] is the kernel id of event index slot[k] (k < nids). Each entry found is stored
 * at out->v[slot]: running == 0 -> present = false; running < enabled -> multiplexed.
 * Returns the number of entries stored, or -1 if the buffer is short or names an id not
 * in ids[]. */
int counters_decode_group(const void *buf, size_t len, const uint64_t *ids, const int *slot,
			  int nids, struct counters_values *out);

/* Empty sum for n events. */
void counters_values_init(struct counters_values *v, int n);
/* sum += v, event by event. An event stays present in the sum only if it is present in
 * every value added (a sum missing a thread would be an underestimate). */
void counters_values_add(struct counters_values *sum, const struct counters_values *v);
/* Minimum time_running / time_enabled over the events that were enabled (for a sum:
 * over every thread added); 1.0 = never multiplexed, 0 = an event never ran;
 * -1.0 if no event was enabled (nothing measured: report no scaling figure). */
double counters_values_min_scaling(const struct counters_values *v);

#endif
