/*
 * Expansion of a sweep into tasks (DESIGN.md): range axes' values, the
 * implicit task ids (cases slowest, then matrix axes and zip groups in file
 * order, seeds fastest) both ways, the tasks' RNG seeds, and the names of
 * the axes.  Task ids and RNG seeds are part of every results file: they
 * never change.
 */
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_impl.h"
#include "hsweep/hash.h"
#include "hsweep/refine.h"
#include "hsweep/rng.h"

/* Decimal exponent of x != 0 (of its 17-digit form: 0.001 -> -3). */
static int decimal_exponent(double x)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.16e", x);
    return atoi(strchr(buf, 'e') + 1);
}

/*
 * x rounded to the nearest multiple of 10^q; when that decimal is also a
 * multiple of 10^(q+3) (its last three digits are zeros), the double strtod
 * reads from it, else x itself.  printf and strtod round correctly (glibc,
 * musl), so the answer depends on x alone.
 */
static double snap_decimal(double x, int q)
{
    char buf[48];
    if (x == 0 || !isfinite(x))
        return x == 0 ? 0.0 : x;
    int ex = decimal_exponent(x);
    if (ex < q) { /* |x| < 10^q: 0 below half the quantum, else 10^q: not a multiple */
        snprintf(buf, sizeof buf, "%.16e", fabs(x));
        return ex < q - 1 || buf[0] < '5' ? 0.0 : x;
    }
    snprintf(buf, sizeof buf, "%.*e", ex - q, x);
    char *e = strchr(buf, 'e');
    int digits = 0, zeros = 0, trailing = 1;
    for (const char *p = e - 1; p >= buf && *p != '-'; p--) {
        if (*p == '.')
            continue;
        digits++;
        trailing = trailing && *p == '0';
        zeros += trailing;
    }
    /* the last digit printed is at 10^(exponent - digits + 1): q, or q + 1 when 9.99.. rounded up */
    int last = atoi(e + 1) - (digits - 1);
    return last + zeros >= q + 3 ? strtod(buf, NULL) : x;
}

/* A range, with what its points need worked out once. */
typedef struct range_def {
    double from, to;
    long long n;
    int lg;
    int q;            /* linear: points are snapped to multiples of 10^q */
    double lf, lt;    /* log: log10 of the ends' decimal mantissas (in [0, 1)) */
    long long kf, kt; /* log: the ends' decimal exponents */
} range_def;

/* x = m 10^k, 1 <= m < 10, from the fewest digits that read back as x (1e-310, not 9.99999999999997e-311). */
static void decimal_split(double x, double *m, long long *k)
{
    char buf[40];
    for (int p = 0; p <= 16; p++) {
        snprintf(buf, sizeof buf, "%.*e", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    char *e = strchr(buf, 'e');
    *k = atoi(e + 1);
    *e = 0;
    *m = strtod(buf, NULL);
}

static range_def range_def_make(double from, double to, long long n, int lg)
{
    range_def r = {.from = from, .to = to, .n = n, .lg = lg};
    if (lg) {
        double mf, mt;
        decimal_split(from, &mf, &r.kf);
        decimal_split(to, &mt, &r.kt);
        r.lf = log10(mf);
        r.lt = log10(mt);
    } else {
        r.q = decimal_exponent(fabs(from) > fabs(to) ? fabs(from) : fabs(to)) - 14;
    }
    return r;
}

/*
 * Point i of a range (0 < i < n-1; the ends are from and to as given).
 * Linear points are (from (n-1-i) + to i) / (n-1), snapped (snap_decimal) to
 * 15 significant digits of the larger end; so a point within rounding error
 * of a decimal of at most 12 such digits is that decimal (0.3, not
 * 0.30000000000000004; 0 where the range crosses it).  Log points are
 * 10^(a + (b-a) i/(n-1)) computed in decimal-exponent space: from = m 10^k and
 * to = m' 10^k', the exponent's integer part kept exact, then snapped to 15
 * digits of the point itself; so the powers of ten of a decade range are exact
 * (1e-2, not 0.010000000000000002) and the points between are within a few
 * ulps of the true value (10^-3.5 = 3.1622776601683794e-4, the nearest double).
 */
static double range_point(const range_def *r, long long i)
{
    long long n1 = r->n - 1;
    if (!r->lg) {
        double sum = r->from * (double)(n1 - i) + r->to * (double)i;
        /* ends near DBL_MAX: the weighted sum overflows, the weights applied first do not */
        return snap_decimal(isfinite(sum) ? sum / (double)n1
                                          : r->from / (double)n1 * (double)(n1 - i) +
                                                r->to / (double)n1 * (double)i,
                            r->q);
    }
    /* (kt - kf) i / (n-1) = whole + rest / (n-1), 0 <= rest < n-1 */
    long long d = (r->kt - r->kf) * i, whole = d / n1, rest = d % n1;
    if (rest < 0) {
        rest += n1;
        whole--;
    }
    double frac = r->lf + (r->lt - r->lf) * ((double)i / (double)n1) + (double)rest / (double)n1;
    double k = (double)(r->kf + whole), ex = k + frac, x;
    if (k == 0 || (fabs(k) >= frac && ex - k == frac)) {
        x = pow(10.0, ex); /* the exponent is exact (Fast2Sum): libm's pow rounds once */
    } else {               /* scale 10^frac by 10^k in decimal, exactly */
        char buf[48];
        snprintf(buf, sizeof buf, "%.16e", pow(10.0, frac));
        char *e = strchr(buf, 'e');
        snprintf(e, sizeof buf - (size_t)(e - buf), "e%lld", atoi(e + 1) + r->kf + whole);
        x = strtod(buf, NULL);
    }
    return snap_decimal(x, decimal_exponent(x) - 14);
}

/* A range group { from; to; num; scale } for a numeric parameter. */
int hs_cfg_range_values(pctx *c, const hs_param_spec *spec, config_setting_t *g, hs_value **vals,
                        size_t *n)
{
    int line = config_setting_source_line(g);
    if (spec->type != HS_T_INT && spec->type != HS_T_REAL)
        return hs_cfg_perr(c, line, spec->name,
                           "a range {from; to; num} needs a numeric parameter");
    double from = NAN, to = NAN;
    long long num = 0;
    int have_num = 0;
    const char *scale = "lin";
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(m);
        int t = config_setting_type(m);
        int ml = config_setting_source_line(m);
        int num_t = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
        if (strcmp(nm, "from") == 0 || strcmp(nm, "to") == 0) {
            if (!num_t)
                return hs_cfg_perr(c, ml, spec->name, "range '%s' must be a number", nm);
            double x = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(m)
                                              : (double)config_setting_get_int64(m);
            if (!isfinite(x))
                return hs_cfg_perr(c, ml, spec->name, "range '%s' is not a finite number", nm);
            *(nm[0] == 'f' ? &from : &to) = x;
        } else if (strcmp(nm, "num") == 0) {
            if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
                return hs_cfg_perr(c, ml, spec->name, "range 'num' must be an integer");
            num = config_setting_get_int64(m);
            have_num = 1;
        } else if (strcmp(nm, "scale") == 0) {
            if (t != CONFIG_TYPE_STRING)
                return hs_cfg_perr(c, ml, spec->name, "range 'scale' must be \"lin\" or \"log\"");
            scale = config_setting_get_string(m);
        } else {
            const char *names[] = {"from", "to", "num", "scale"};
            char sg[64];
            hs_cfg_suggest(nm, names, 4, sg, sizeof sg);
            return hs_cfg_perr(c, ml, spec->name, "unknown range key '%s'%s", nm, sg);
        }
    }
    if (isnan(from) || isnan(to) || !have_num)
        return hs_cfg_perr(c, line, spec->name, "a range needs from, to and num");
    if (num < 1 || num > 100000000)
        return hs_cfg_perr(c, line, spec->name, "range num must be in [1, 1e8], got %lld", num);
    if (c->max_tasks && (uint64_t)num > c->max_tasks) /* before its values are allocated */
        return hs_cfg_perr(
            c, line, spec->name,
            "range num = %lld is more than the limit of %llu tasks; raise it with max_tasks = N; "
            "at the top of the file or --max-tasks N",
            num, (unsigned long long)c->max_tasks);
    int lg;
    if (strcmp(scale, "lin") == 0)
        lg = 0;
    else if (strcmp(scale, "log") == 0)
        lg = 1;
    else
        return hs_cfg_perr(c, line, spec->name,
                           "range scale must be \"lin\" or \"log\", got \"%s\"", scale);
    if (lg && !(from > 0 && to > 0))
        return hs_cfg_perr(c, line, spec->name, "a log range needs from > 0 and to > 0");
    hs_value *v = calloc((size_t)num, sizeof *v);
    if (!v)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    range_def r = range_def_make(from, to, num, lg);
    for (long long i = 0; i < num; i++) {
        double x = i == 0 ? from : i == num - 1 ? to : range_point(&r, i);
        if (spec->type == HS_T_INT)
            v[i].i = llround(x);
        else
            v[i].r = x;
        hs_err ve;
        if (hs_value_check(spec, &v[i], &ve) != 0) {
            free(v);
            const char *m = strstr(ve.msg, "': ");
            return hs_cfg_perr(c, line, spec->name, "range value %s", m ? m + 3 : ve.msg);
        }
        if (i > 0 && hs_cfg_values_equal(spec->type, &v[i], &v[i - 1])) {
            hs_value dup = v[i];
            free(v);
            if (spec->type == HS_T_INT)
                return hs_cfg_perr(c, line, spec->name,
                                   "range gives the value %lld twice after rounding to integers",
                                   (long long)dup.i);
            return hs_cfg_perr(c, line, spec->name, "range gives the value %g more than once",
                               dup.r);
        }
    }
    *vals = v;
    *n = (size_t)num;
    return 0;
}

/* The inverse of hs_sweep_task: the id of the task with parameters v and sweep seed. */
uint64_t hs_cfg_sweep_task_id(const void *arg, const hs_value *v, int64_t seed)
{
    const hs_sweep *s = arg;
    const hs_kernel *k = s->kernel;
    size_t np = k->n_params, ci = 0;
    for (; s->case_set && ci < s->n_cases; ci++) {
        int match = 1;
        for (size_t p = 0; p < np && match; p++)
            if (s->case_set[ci * np + p])
                match = hs_cfg_values_equal(k->params[p].type, &v[p], &s->cases[ci * np + p]);
        if (match)
            break;
    }
    uint64_t id = ci < s->n_cases ? ci : 0;
    for (size_t a = 0; a < s->n_axes; a++) {
        const hs_axis *ax = &s->axes[a];
        size_t j = 0;
        for (; j < ax->n; j++) {
            int match = 1;
            for (size_t q = 0; q < ax->n_params && match; q++)
                match = hs_cfg_values_equal(k->params[ax->param[q]].type, &v[ax->param[q]],
                                            &ax->values[j * ax->n_params + q]);
            if (match)
                break;
        }
        id = id * ax->n + (j < ax->n ? j : 0);
    }
    size_t si = 0;
    while (si < s->n_seeds && s->seeds[si] != seed)
        si++;
    return id * s->n_seeds + (si < s->n_seeds ? si : 0);
}

uint64_t hs_task_rng_seed(const hs_kernel *k, int64_t seed, const hs_value *v)
{
    /* FNV-1a over a canonical byte form, then a SplitMix64 finish. */
    uint64_t h = hs_fnv1a64(HS_FNV1A64_INIT, k->name, strlen(k->name) + 1);
    h = hs_fnv1a64(h, &seed, sizeof seed);
    for (size_t p = 0; p < k->n_params; p++) {
        h = hs_fnv1a64(h, k->params[p].name, strlen(k->params[p].name) + 1);
        switch (k->params[p].type) {
        case HS_T_INT:
            h = hs_fnv1a64(h, &v[p].i, sizeof v[p].i);
            break;
        case HS_T_REAL: {
            double r = v[p].r == 0.0 ? 0.0 : v[p].r; /* -0 hashes as 0 */
            h = hs_fnv1a64(h, &r, sizeof r);
            break;
        }
        case HS_T_BOOL: {
            unsigned char bb = (unsigned char)(v[p].b != 0);
            h = hs_fnv1a64(h, &bb, 1);
            break;
        }
        case HS_T_STRING: {
            const char *str = v[p].s ? v[p].s : "";
            h = hs_fnv1a64(h, str, strlen(str) + 1);
            break;
        }
        }
    }
    return hs_mix64(h);
}

void hs_sweep_task(const hs_sweep *s, uint64_t id, hs_value *v, int64_t *seed, uint64_t *rng_seed)
{
    if (id >= s->n_tasks) {
        hs_refine_task(s, id, v, seed, rng_seed);
        return;
    }
    const hs_kernel *k = s->kernel;
    size_t np = k->n_params;
    size_t idx[HS_MAX_AXES];
    uint64_t r = id / s->n_seeds;
    for (size_t a = s->n_axes; a-- > 0;) {
        idx[a] = (size_t)(r % s->axes[a].n);
        r /= s->axes[a].n;
    }
    size_t ci = (size_t)r;
    memcpy(v, s->base, np * sizeof *v);
    if (s->case_set)
        for (size_t p = 0; p < np; p++)
            if (s->case_set[ci * np + p])
                v[p] = s->cases[ci * np + p];
    for (size_t a = 0; a < s->n_axes; a++) {
        const hs_axis *ax = &s->axes[a];
        for (size_t q = 0; q < ax->n_params; q++)
            v[ax->param[q]] = ax->values[idx[a] * ax->n_params + q];
    }
    *seed = s->seeds[id % s->n_seeds];
    *rng_seed = hs_task_rng_seed(k, *seed, v);
}

size_t hs_sweep_axes(const hs_sweep *s, const char **names, size_t cap)
{
    size_t n = 0;
    const hs_kernel *k = s->kernel;
    if (s->n_cases > 1)
        for (size_t p = 0; p < k->n_params; p++) {
            int in_case = 0;
            for (size_t ci = 0; ci < s->n_cases && s->case_set; ci++)
                in_case |= s->case_set[ci * k->n_params + p];
            if (in_case && n < cap)
                names[n++] = k->params[p].name;
        }
    for (size_t a = 0; a < s->n_axes; a++)
        for (size_t q = 0; q < s->axes[a].n_params; q++)
            if (n < cap)
                names[n++] = k->params[s->axes[a].param[q]].name;
    if (s->n_seeds > 1 && n < cap)
        names[n++] = "seed";
    return n;
}
