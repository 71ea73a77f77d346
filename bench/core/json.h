/*
 * json.h - the one piece of JSON writing the lab's C code needs: a string,
 * quoted and escaped.
 */
#ifndef REFBENCH_JSON_H
#define REFBENCH_JSON_H

#include <stdio.h>

/* Write s as a JSON string literal: quotes, backslashes and control
 * characters escaped. */
void json_string(FILE *f, const char *s);

#endif
