/*
 * Per-thread performance counters through perf_event_open(2): probing what
 * the machine supports, one group per thread opened around the window, and
 * reading and adding up the scaled values (counters.h).  The event table and
 * the --counters list are counters_spec.c.
 */
#define _GNU_SOURCE
#include "counters.h"
#include "errmsg.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>


static int read_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v;

	if (!f)
		return PARANOID_UNKNOWN;
	if (fscanf(f, "%d", &v) != 1)
		v = PARANOID_UNKNOWN;
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------ open / probe */

static bool is_software(const struct counters_event *e)
{
	return e->kind == COUNTERS_KIND_SOFTWARE;
}

#define READ_FORMAT                                                                  \
	(PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | \
	 PERF_FORMAT_ID)

/* Returns the fd, or -1 with errno set. */
static int open_event(const struct counters_event *e, int group_fd, bool disabled)
{
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = e->type;
	attr.config = e->config;
	attr.disabled = disabled;
	attr.exclude_kernel = e->exclude_kernel;
	attr.exclude_hv = 1;
	attr.inherit = 0;
	attr.read_format = READ_FORMAT;
	fd = syscall(SYS_perf_event_open, &attr, 0 /* this thread */, -1 /* any CPU */,
		     group_fd, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -1 : (int)fd;
}

/* Is there a core PMU under /sys/bus/event_source/devices? Names differ by architecture:
 * x86 "cpu" (hybrid "cpu_core"/"cpu_atom"), arm64 "armv8_*", s390 "cpum_cf", others
 * "*pmu*". */
static bool hw_pmu_present(void)
{
	DIR *d = opendir("/sys/bus/event_source/devices");
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (!strcmp(n, "cpu") || !strcmp(n, "cpu_core") || !strcmp(n, "cpu_atom") ||
		    !strcmp(n, "cpum_cf") || !strncmp(n, "armv", 4) || strstr(n, "pmu"))
			found = true;
	}
	closedir(d);
	return found;
}

static void explain_errno(const struct counters_event *e, int err, int paranoid, char *out,
			  size_t outlen)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		if (!is_software(e) && !hw_pmu_present())
			snprintf(out, outlen, "no hardware PMU (virtual machine?)");
		else
			snprintf(out, outlen, "not counted by this CPU/PMU");
		break;
	case EACCES:
	case EPERM:
		if (paranoid != PARANOID_UNKNOWN)
			snprintf(out, outlen, "perf_event_paranoid=%d%s", paranoid,
				 e->exclude_kernel ? "" : " (kernel-side counting not allowed)");
		else
			snprintf(out, outlen, "permission denied (perf_event_paranoid unreadable)");
		break;
	case EINVAL:
		if (e->kind == COUNTERS_KIND_RAW)
			snprintf(out, outlen, "raw config 0x%llx rejected by the PMU (EINVAL)",
				 (unsigned long long)e->config);
		else
			snprintf(out, outlen, "rejected by the kernel (EINVAL)");
		break;
	case ENOSYS:
		snprintf(out, outlen, "perf_event_open unavailable (ENOSYS)");
		break;
	default:
		snprintf(out, outlen, "perf_event_open failed: %s", strerror(err));
		break;
	}
}

void counters_probe(struct counters_config *cfg)
{
	cfg->paranoid = read_paranoid();
	for (int i = 0; i < cfg->n; i++) {
		struct counters_event *e = &cfg->ev[i];
		int fd = open_event(e, -1, true);

		if (fd >= 0) {
			close(fd);
			e->status = COUNTERS_SUPPORTED;
			e->reason[0] = '\0';
		} else {
			e->status = COUNTERS_UNSUPPORTED;
			explain_errno(e, errno, cfg->paranoid, e->reason, sizeof(e->reason));
		}
	}
	cfg->probed = true;
}

int counters_missing_explicit(const struct counters_config *cfg)
{
	int n = 0;

	for (int i = 0; i < cfg->n; i++)
		if (cfg->ev[i].explicit_request && cfg->ev[i].status == COUNTERS_UNSUPPORTED)
			n++;
	return n;
}

int counters_supported_count(const struct counters_config *cfg)
{
	int n = 0;

	for (int i = 0; i < cfg->n; i++)
		if (cfg->ev[i].status == COUNTERS_SUPPORTED)
			n++;
	return n;
}


static const char *kind_name(enum counters_kind k)
{
	switch (k) {
	case COUNTERS_KIND_HARDWARE:
		return "hardware";
	case COUNTERS_KIND_CACHE:
		return "hw-cache";
	case COUNTERS_KIND_RAW:
		return "raw";
	case COUNTERS_KIND_SOFTWARE:
		return "software";
	}
	return "?";
}

void counters_write_json(FILE *f, const struct counters_config *cfg)
{
	fputs("{\"paranoid\": ", f);
	if (cfg->paranoid == PARANOID_UNKNOWN)
		fputs("null", f);
	else
		fprintf(f, "%d", cfg->paranoid);
	fprintf(f, ", \"probed\": %s, \"events\": {", cfg->probed ? "true" : "false");
	for (int i = 0; i < cfg->n; i++) {
		const struct counters_event *e = &cfg->ev[i];
		fputs(i ? ", " : "", f);
		json_string(f, e->name);
		fprintf(f, ": {\"kind\": \"%s\", \"type\": %u, \"config\": \"0x%llx\", ",
			kind_name(e->kind), e->type, (unsigned long long)e->config);
		fprintf(f, "\"method\": \"%s\", \"exclude_kernel\": %s, \"explicit\": %s, ",
			is_software(e) ? "software-event" : "hardware-counter",
			e->exclude_kernel ? "true" : "false", e->explicit_request ? "true" : "false");
		if (e->status == COUNTERS_UNPROBED) {
			fputs("\"supported\": null}", f);
		} else if (e->status == COUNTERS_SUPPORTED) {
			fputs("\"supported\": true}", f);
		} else {
			fputs("\"supported\": false, \"reason\": ", f);
			json_string(f, e->reason);
			fputc('}', f);
		}
	}
	fputs("}}", f);
}

void counters_print_console(FILE *f, const struct counters_config *cfg)
{
	for (int i = 0; i < cfg->n; i++) {
		const struct counters_event *e = &cfg->ev[i];
		if (e->status == COUNTERS_UNSUPPORTED)
			fprintf(f, "counters: %s unsupported%s: %s\n", e->name,
				e->explicit_request ? " (requested explicitly)" : "", e->reason);
	}
}

/* ------------------------------------------------------------------ per thread */

static void close_all(struct counters_thread *ct)
{
	for (int i = 0; i < COUNTERS_MAX_EVENTS; i++) {
		if (ct->fd[i] >= 0)
			close(ct->fd[i]);
		ct->fd[i] = -1;
		ct->leader[i] = -1;
		ct->id[i] = 0;
	}
}

static int members_of(const struct counters_thread *ct, int lead, uint64_t *ids, int *slots)
{
	int m = 0;

	for (int j = 0; j < ct->n; j++) {
		if (ct->leader[j] == lead && ct->fd[j] >= 0) {
			ids[m] = ct->id[j];
			slots[m] = j;
			m++;
		}
	}
	return m;
}

/* Enable the group briefly and check that the PMU scheduled it at all: a group that
 * does not fit on the counters is enabled but never running. */
static bool group_gets_scheduled(struct counters_thread *ct, int lead)
{
	uint64_t buf[3 + 2 * COUNTERS_MAX_EVENTS];
	volatile unsigned sink = 0;
	int fd = ct->fd[lead];
	ssize_t r;

	ioctl(fd, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
	for (unsigned k = 0; k < 200000; k++)
		sink += k;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	r = read(fd, buf, sizeof(buf));
	ioctl(fd, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
	(void)sink;
	if (r < 24)
		return true; /* cannot tell; the real read will report it */
	return !(buf[1] > 0 && buf[2] == 0);
}

static int open_one(struct counters_thread *ct, const struct counters_config *cfg, int i,
		    int lead, char *err, size_t errlen)
{
	const struct counters_event *e = &cfg->ev[i];
	int fd = open_event(e, lead < 0 ? -1 : ct->fd[lead], lead < 0);

	if (fd < 0 && lead >= 0 && (errno == EINVAL || errno == ENOSPC)) {
		/* does not fit in the group: count it in a group of its own (multiplexed) */
		int why = errno;
		fd = open_event(e, -1, true);
		if (fd >= 0) {
			ct->split = true;
			snprintf(ct->note, sizeof(ct->note),
				 "hardware events do not fit one group (%s adding %s): separate "
				 "groups, multiplexed and scaled",
				 why == ENOSPC ? "ENOSPC" : "EINVAL", e->name);
			lead = -1;
		}
	}
	if (fd < 0) {
		char why[COUNTERS_REASON_MAX];
		explain_errno(e, errno, cfg->paranoid, why, sizeof(why));
		set_err(err, errlen, "counters: cannot open %s on this thread: %s", e->name, why);
		return -1;
	}
	ct->fd[i] = fd;
	ct->leader[i] = lead < 0 ? i : lead;
	if (ioctl(fd, PERF_EVENT_IOC_ID, &ct->id[i]) < 0) {
		set_err(err, errlen, "counters: PERF_EVENT_IOC_ID failed for %s: %s", e->name,
			strerror(errno));
		return -1;
	}
	return 0;
}

int counters_thread_open(struct counters_thread *ct, const struct counters_config *cfg,
			 char *err, size_t errlen)
{
	memset(ct, 0, sizeof(*ct));
	for (int i = 0; i < COUNTERS_MAX_EVENTS; i++) {
		ct->fd[i] = -1;
		ct->leader[i] = -1;
	}
	ct->n = cfg->n;

	for (int pass = 0; pass < 2; pass++) {
		bool want_sw = pass == 1;
		int lead = -1, members = 0;

		for (int i = 0; i < cfg->n; i++) {
			const struct counters_event *e = &cfg->ev[i];
			if (is_software(e) != want_sw || e->status == COUNTERS_UNSUPPORTED)
				continue;
			if (open_one(ct, cfg, i, lead, err, errlen))
				goto fail;
			if (lead < 0)
				lead = i;
			if (ct->leader[i] == lead)
				members++;
		}
		if (lead >= 0 && members > 1 && !group_gets_scheduled(ct, lead)) {
			/* opened, but never on the PMU: reopen every member as its own group */
			for (int i = 0; i < cfg->n; i++) {
				if (i == lead || ct->leader[i] != lead)
					continue;
				close(ct->fd[i]);
				ct->fd[i] = -1;
				ct->leader[i] = -1;
				if (open_one(ct, cfg, i, -1, err, errlen))
					goto fail;
			}
			ct->split = true;
			snprintf(ct->note, sizeof(ct->note),
				 "%s group opened but never scheduled (more events than counters): "
				 "separate groups, multiplexed and scaled",
				 want_sw ? "software" : "hardware");
		}
	}
	return 0;
fail:
	close_all(ct);
	return -1;
}

void counters_thread_start(struct counters_thread *ct)
{
	for (int i = 0; i < ct->n; i++) {
		if (ct->fd[i] >= 0 && ct->leader[i] == i) {
			ioctl(ct->fd[i], PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
			ioctl(ct->fd[i], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
		}
	}
}

void counters_thread_stop(struct counters_thread *ct)
{
	for (int i = 0; i < ct->n; i++)
		if (ct->fd[i] >= 0 && ct->leader[i] == i)
			ioctl(ct->fd[i], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

void counters_values_init(struct counters_values *v, int n)
{
	memset(v, 0, sizeof(*v));
	v->n = n < 0 ? 0 : n > COUNTERS_MAX_EVENTS ? COUNTERS_MAX_EVENTS : n;
}

int counters_decode_group(const void *buf, size_t len, const uint64_t *ids, const int *slot,
			  int nids, struct counters_values *out)
{
	const unsigned char *p = buf;
	uint64_t nr, enabled, running;

	if (!buf || len < 3 * sizeof(uint64_t))
		return -1;
	memcpy(&nr, p, 8);
	memcpy(&enabled, p + 8, 8);
	memcpy(&running, p + 16, 8);
	if (nr > COUNTERS_MAX_EVENTS || len < (3 + 2 * nr) * sizeof(uint64_t))
		return -1;
	for (uint64_t k = 0; k < nr; k++) {
		uint64_t value, id;
		int j;

		memcpy(&value, p + 24 + 16 * k, 8);
		memcpy(&id, p + 32 + 16 * k, 8);
		for (j = 0; j < nids; j++)
			if (ids[j] == id)
				break;
		if (j == nids || slot[j] < 0 || slot[j] >= out->n)
			return -1;
		struct counters_value *cv = &out->v[slot[j]];
		cv->raw = value;
		cv->time_enabled = enabled;
		cv->time_running = running;
		cv->present = running > 0;
		cv->multiplexed = running > 0 && running < enabled;
		cv->running_ratio = enabled ? (double)running / (double)enabled : 0.0;
		if (!cv->present)
			cv->scaled = 0.0; /* absent, not zero: callers check present */
		else if (running >= enabled)
			cv->scaled = (double)value;
		else
			cv->scaled = (double)value * (double)enabled / (double)running;
	}
	return (int)nr;
}

int counters_thread_read(struct counters_thread *ct, struct counters_values *out)
{
	int rc = 0;

	counters_values_init(out, ct->n);
	for (int i = 0; i < ct->n; i++) {
		uint64_t buf[3 + 2 * COUNTERS_MAX_EVENTS];
		uint64_t ids[COUNTERS_MAX_EVENTS];
		int slots[COUNTERS_MAX_EVENTS];
		ssize_t r;
		int m;

		if (ct->fd[i] < 0 || ct->leader[i] != i)
			continue;
		m = members_of(ct, i, ids, slots);
		r = read(ct->fd[i], buf, sizeof(buf));
		if (r < 0 || counters_decode_group(buf, (size_t)r, ids, slots, m, out) < 0)
			rc = -1;
	}
	return rc;
}

void counters_thread_close(struct counters_thread *ct)
{
	close_all(ct);
}

/* ------------------------------------------------------------------ aggregation */

void counters_values_add(struct counters_values *sum, const struct counters_values *v)
{
	bool first = sum->nadded == 0;

	if (first)
		sum->n = v->n;
	for (int i = 0; i < sum->n && i < v->n; i++) {
		struct counters_value *s = &sum->v[i];
		const struct counters_value *x = &v->v[i];
		bool was_present = first || s->present;
		bool had_enabled = s->time_enabled > 0;

		s->raw += x->raw;
		s->time_enabled += x->time_enabled;
		s->time_running += x->time_running;
		if (x->present)
			s->scaled += x->scaled;
		s->multiplexed |= x->multiplexed;
		if (x->time_enabled > 0 && (!had_enabled || x->running_ratio < s->running_ratio))
			s->running_ratio = x->running_ratio;
		s->present = was_present && x->present;
	}
	sum->nadded++;
}

double counters_values_min_scaling(const struct counters_values *v)
{
	double m = -1.0;

	for (int i = 0; i < v->n; i++) {
		const struct counters_value *x = &v->v[i];
		if (x->time_enabled == 0)
			continue;
		if (m < 0 || x->running_ratio < m)
			m = x->running_ratio;
	}
	return m;
}
