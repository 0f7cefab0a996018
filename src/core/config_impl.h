/*
 * Private to the sweep-file reader (include/hsweep/config.h), which is split
 * by concern: config.c (the file's top level and each sweep's own keys),
 * config_text.c (the text before libconfig reads it: @include, literals
 * libconfig would misread, its syntax errors explained), config_grid.c
 * (fixed, matrix, zip, cases, seeds, reduced), config_rules.c (expect),
 * config_exec.c (kernel = "exec"), plugin.c (kernel = "plugin:PATH") and
 * expand.c (ranges, task ids and RNG seeds).
 */
#ifndef HSWEEP_CONFIG_IMPL_H
#define HSWEEP_CONFIG_IMPL_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "hsweep/config.h"

/* Where the parser is: every error names the file, the line, the sweep and the key. */
typedef struct pctx {
    const char *path;
    const char *sweep; /* current sweep name, or NULL */
    hs_err *e;
    uint64_t max_tasks; /* the task limit, known before any sweep is parsed; 0 before */
} pctx;

/* Where a parameter of the sweep being built is set. */
enum { SRC_NONE, SRC_FIXED, SRC_MATRIX, SRC_ZIP, SRC_CASE };

typedef struct sweep_build {
    hs_sweep *s;
    int *src; /* per parameter: SRC_* */
} sweep_build;

/* ---- config.c ---- */

/* HS_EINPUT with "FILE:LINE: sweep 'NAME': key 'KEY': what" (sweep and key when known). */
int hs_cfg_perr(pctx *c, int line, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* " (did you mean 'x'?)" for the closest of names within distance 2, else "". */
void hs_cfg_suggest(const char *key, const char *const *names, size_t n, char *buf, size_t cap);
/* The same over the parameters of kernel k. */
void hs_cfg_suggest_param(const hs_kernel *k, const char *key, char *buf, size_t cap);
/* "an integer", "a number", ... for messages. */
const char *hs_cfg_type_word(hs_type t);
/* Convert one scalar setting to spec's type and check its range. */
int hs_cfg_scalar_value(pctx *c, const hs_param_spec *spec, config_setting_t *s, hs_value *out);
/* Nonzero for libconfig's scalar setting types. */
int hs_cfg_is_scalar_type(int t);
/* Nonzero if a and b, of type t, are the same value. */
int hs_cfg_values_equal(hs_type t, const hs_value *a, const hs_value *b);
/* -1, 0 or 1 as a <, = or > b (of type t). */
int hs_cfg_cmp_value(hs_type t, const hs_value *a, const hs_value *b);
/* The directory of the sweep file, absolute if it exists (malloc'd; NULL: no memory). */
char *hs_cfg_sweep_dir(const char *path);
/* The file's top-level keys and every sweep, into set (whose cfg holds the libconfig tree). */
int hs_cfg_parse_top(pctx *c, hs_sweepset *set, const hs_load_opts *o);

/* ---- config_grid.c: the keys that give parameter values ---- */

int hs_cfg_parse_fixed(pctx *c, sweep_build *b, config_setting_t *g);
int hs_cfg_parse_matrix(pctx *c, sweep_build *b, config_setting_t *g);
int hs_cfg_parse_zip(pctx *c, sweep_build *b, config_setting_t *z);
int hs_cfg_parse_cases(pctx *c, sweep_build *b, config_setting_t *l);
int hs_cfg_parse_seeds(pctx *c, hs_sweep *s, config_setting_t *m);
/* `reduced = { ... }`: checked always, applied to the sweep in place when apply is set. */
int hs_cfg_parse_reduced(pctx *c, sweep_build *b, config_setting_t *g, int apply);

/* ---- config_rules.c ---- */

/* A sweep's `expect` list into s->rules (references are checked by hs_cfg_check_rule_refs). */
int hs_cfg_parse_expect(pctx *c, hs_sweep *s, config_setting_t *l);
/* Every rule's reference, once every sweep of the file is known. */
int hs_cfg_check_rule_refs(pctx *c, hs_sweepset *set, config_setting_t *sweeps);

/* ---- config_exec.c ---- */

/* kernel = "exec": build s->exec and s->kernel from the sweep group g's keys. */
int hs_cfg_exec_kernel(pctx *c, hs_sweepset *set, config_setting_t *g, hs_sweep *s);

/* ---- plugin.c ---- */

/* kernel = "plugin:PATH" (setting km): load the library (or take the schema of o) into s. */
int hs_cfg_plugin_kernel(pctx *c, hs_sweepset *set, config_setting_t *km, hs_sweep *s,
                         const hs_load_opts *o);

/* ---- expand.c ---- */

/* A range group { from; to; num; scale } of a numeric parameter into *vals (malloc'd), *n. */
int hs_cfg_range_values(pctx *c, const hs_param_spec *spec, config_setting_t *g, hs_value **vals,
                        size_t *n);
/* The inverse of hs_sweep_task: the id of the task of sweep arg with parameters v and sweep seed. */
uint64_t hs_cfg_sweep_task_id(const void *arg, const hs_value *v, int64_t seed);

#endif
