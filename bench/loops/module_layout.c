/*
 * module_layout.c - the table of real module layouts and the draw from it
 * (module_layout.h).
 */
#include "module_layout.h"
#include "errmsg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The default table, built in by module_layout_data.S. */
extern const char refbench_module_layout_csv[];
extern const char refbench_module_layout_csv_end[];

#define DEFAULT_SOURCE "built-in kernels/data/module-layout-debian12-amd64.csv"
#define HEADER "module,core_size,core_text_size,this_module_offset,this_module_size,this_module_align"
#define PAGE 4096u

static struct module_layout_row *rows;
static unsigned int nr_rows;
static char source[512];
static unsigned long seed = 1;

/* One data line "name,core,text,offset,size,align"; false if malformed. */
static bool parse_row(const char *line, struct module_layout_row *r)
{
	unsigned long core, text, off, size, align;
	const char *comma = strchr(line, ',');
	char tail;

	if (!comma || comma == line)
		return false;
	if (sscanf(comma + 1, "%lu,%lu,%lu,%lu,%lu%c", &core, &text, &off, &size, &align,
		   &tail) != 5)
		return false;
	if (core == 0 || core > (64ul << 20) || off + size > core || text > core || size == 0)
		return false;
	r->core_size = (unsigned int)core;
	r->this_module_offset = (unsigned int)off;
	r->this_module_size = (unsigned int)size;
	return true;
}

/* Parse @len bytes of CSV text; 0, or -1 with the line that is wrong. */
static int parse_text(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	size_t cap = 0;
	unsigned int lineno = 0;
	bool header = false;

	free(rows);
	rows = NULL;
	nr_rows = 0;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char line[512];

		lineno++;
		if (n >= sizeof(line)) {
			set_err(err, errlen, "module layout file '%s' line %u: longer than %zu characters "
				"(accepted: %s lines)", name, lineno, sizeof(line) - 1, HEADER);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		pos += n + 1;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (!header) {
			if (strcmp(line, HEADER) != 0) {
				set_err(err, errlen, "module layout file '%s' line %u: header '%s' "
					"(accepted: '%s')", name, lineno, line, HEADER);
				return -1;
			}
			header = true;
			continue;
		}
		if (nr_rows == cap) {
			struct module_layout_row *nr;
			cap = cap ? 2 * cap : 1024;
			nr = realloc(rows, cap * sizeof(*rows));
			if (!nr) {
				set_err(err, errlen, "module layout file '%s': out of memory", name);
				return -1;
			}
			rows = nr;
		}
		if (!parse_row(line, &rows[nr_rows])) {
			set_err(err, errlen, "module layout file '%s' line %u: '%.80s' not accepted "
				"(accepted: name,core_size,core_text_size,this_module_offset,"
				"this_module_size,this_module_align with offset+size <= core_size)",
				name, lineno, line);
			return -1;
		}
		nr_rows++;
	}
	if (!header || nr_rows == 0) {
		set_err(err, errlen, "module layout file '%s': no modules (accepted: a '%s' header "
			"and one line per module)", name, HEADER);
		return -1;
	}
	return 0;
}

int module_layout_load(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	long len;
	int rc;

	if (!path) {
		snprintf(source, sizeof(source), "%s", DEFAULT_SOURCE);
		return parse_text(refbench_module_layout_csv,
				  (size_t)(refbench_module_layout_csv_end - refbench_module_layout_csv),
				  DEFAULT_SOURCE, err, errlen);
	}
	f = fopen(path, "rb");
	if (!f) {
		set_err(err, errlen, "cannot read module layout file '%s': %s (accepted: a CSV "
			"written by scripts/module_layout.py)", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)len + 1))) {
		fclose(f);
		set_err(err, errlen, "cannot read module layout file '%s'", path);
		return -1;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		set_err(err, errlen, "cannot read module layout file '%s': short read", path);
		return -1;
	}
	fclose(f);
	snprintf(source, sizeof(source), "%s", path);
	rc = parse_text(buf, (size_t)len, path, err, errlen);
	free(buf);
	return rc;
}

unsigned int module_layout_rows(void) { return nr_rows; }
const char *module_layout_source(void) { return source; }
void module_layout_set_seed(unsigned long s) { seed = s; }
unsigned long module_layout_seed(void) { return seed; }

/* splitmix64: a well-mixed value from (seed, idx), the same everywhere. */
static unsigned long long mix(unsigned long long x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void module_layout_params(unsigned int idx, enum layout_offset mode, unsigned int line,
			  struct load_params *p)
{
	const struct module_layout_row *r;
	size_t before;

	p->core_before = 0;
	p->core_extra = 0;
	p->core_align = 0;
	/* Packed cores lie back to back in module memory (module_mem_alloc()). */
	p->packed = mode == LAYOUT_OFFSET_PACKED;
	if (mode == LAYOUT_OFFSET_PACKED || nr_rows == 0)
		return;
	r = &rows[mix(((unsigned long long)seed << 32) ^ idx) % nr_rows];
	/* What lies before struct module, rounded up to its alignment. */
	before = ((size_t)r->this_module_offset + line - 1) / line * line;
	p->core_extra = r->core_size - r->this_module_offset - r->this_module_size;
	if (mode == LAYOUT_OFFSET_PAGE_ALIGNED) {
		/* The same pages before it, struct module at a page start. */
		before = before / PAGE * PAGE;
		p->core_align = PAGE;
	}
	p->core_before = before;
}

const char *layout_pages_name(enum layout_pages v)
{
	return v == LAYOUT_PAGES_4K ? "4k" : v == LAYOUT_PAGES_2M ? "2m" : "scheme";
}

const char *layout_offset_name(enum layout_offset v)
{
	return v == LAYOUT_OFFSET_KERNEL ? "kernel" :
	       v == LAYOUT_OFFSET_PAGE_ALIGNED ? "page-aligned" : "packed";
}

int layout_pages_parse(const char *s)
{
	for (int v = LAYOUT_PAGES_SCHEME; v <= LAYOUT_PAGES_2M; v++)
		if (strcmp(s, layout_pages_name(v)) == 0)
			return v;
	return -1;
}

int layout_offset_parse(const char *s)
{
	for (int v = LAYOUT_OFFSET_KERNEL; v <= LAYOUT_OFFSET_PACKED; v++)
		if (strcmp(s, layout_offset_name(v)) == 0)
			return v;
	return -1;
}
