/*
 * The subcommands' option parsing (getopt_long) and their usage texts.
 *
 * Long options must be spelled out: an abbreviation (`--out` for
 * `--output`) is refused, naming the option(s) it could mean, so that a
 * script keeps its meaning when an option is added later.  `--opt=value`
 * and `--opt value` are the same; `--` ends the options.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The option of spec s with this key, or NULL. */
static const hs_cli_opt *find_key(const hs_cli_spec *s, int key)
{
    for (const hs_cli_opt *o = s->opts; o->name; o++)
        if (o->key == key)
            return o;
    return NULL;
}

static int has_short(const hs_cli_opt *o) { return o->key > 0 && o->key < 128; }

/* One option as a usage line names it: "-o, --output FILE" or "    --resume". */
static int opt_label(const hs_cli_opt *o, char *buf, size_t size)
{
    return snprintf(buf, size, "%s%c%s--%s%s%s", has_short(o) ? "-" : " ",
                    has_short(o) ? o->key : ' ', has_short(o) ? ", " : "  ", o->name,
                    o->arg ? " " : "", o->arg ? o->arg : "");
}

void hs_cli_print_help(const hs_cli_spec *s, FILE *f)
{
    fprintf(f, "usage: hsweep %s %s\n\n%s\n\noptions:\n", s->cmd, s->args, s->about);
    for (const hs_cli_opt *o = s->opts; o->name; o++) {
        char label[96];
        int n = opt_label(o, label, sizeof label);
        fprintf(f, "  %s%*s", label, n < 28 ? 28 - n : 0, "");
        if (n >= 28)
            fprintf(f, "\n  %28s", "");
        /* help texts wrap at '\n'; continuation lines align with the first */
        for (const char *h = o->help; *h;) {
            size_t len = strcspn(h, "\n");
            fprintf(f, "%.*s\n", (int)len, h);
            h += len;
            if (*h == '\n' && *++h)
                fprintf(f, "  %28s", "");
        }
    }
    fprintf(f, "  -h, --help                  print this help and exit\n");
}

void hs_cli_print_synopsis(const hs_cli_spec *s, FILE *f)
{
    /* "  run SWEEP.cfg [-o FILE] [--resume] ...", wrapped under the arguments */
    int indent = 3 + (int)strlen(s->cmd), col = fprintf(f, "  %s %s", s->cmd, s->args);
    for (const hs_cli_opt *o = s->opts; o->name; o++) {
        char item[96], shortf[8] = "";
        if (has_short(o))
            snprintf(shortf, sizeof shortf, "-%c|", o->key);
        int n = snprintf(item, sizeof item, "[%s--%s%s%s]", shortf, o->name, o->arg ? " " : "",
                         o->arg ? o->arg : "");
        if (col + 1 + n > 92)
            col = fprintf(f, "\n%*s", indent, "") - 1;
        col += fprintf(f, " %s", item);
    }
    /* the first paragraph of the description */
    size_t len = strcspn(s->about, "\n");
    fprintf(f, "\n      %.*s\n", (int)len, s->about);
}

int hs_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hsweep %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see hsweep %s --help)\n", cmd);
    va_end(ap);
    return 2;
}

void hs_cli_begin(hs_cli_parser *p, const hs_cli_spec *s, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->spec = s;
    p->argc = argc;
    p->argv = argv;
    /* '-': arguments in order, as key 1; ':': a missing value is ':', no message from getopt */
    char *sh = p->shorts;
    *sh++ = '-';
    *sh++ = ':';
    size_t n = 0;
    for (const hs_cli_opt *o = s->opts; o->name && n < HS_CLI_MAX_OPTS; o++, n++) {
        p->longs[n] =
            (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->key};
        if (has_short(o)) {
            *sh++ = (char)o->key;
            if (o->arg)
                *sh++ = ':';
        }
    }
    p->longs[n++] = (struct option){"help", no_argument, NULL, 'h'};
    p->longs[n] = (struct option){0};
    *sh++ = 'h';
    *sh = 0;
    optind = 0; /* glibc: start over (and from argv[1]) */
    opterr = 0;
}

/*
 * A long option at argv[i] that is not one of the spec's names spelled out
 * (or a flag given a value): print why and return nonzero.
 */
static int refuse_long(const hs_cli_parser *p, const char *a)
{
    const char *cmd = p->spec->cmd;
    size_t len = strcspn(a + 2, "=");
    for (const struct option *l = p->longs; l->name; l++)
        if (strlen(l->name) == len && strncmp(l->name, a + 2, len) == 0) {
            if (a[2 + len] == '=' && l->has_arg == no_argument) {
                hs_cli_usage(cmd, "option '--%s' takes no value", l->name);
                return 1;
            }
            return 0;
        }
    char could[256] = "";
    size_t used = 0;
    for (const struct option *l = p->longs; l->name; l++)
        if (strncmp(l->name, a + 2, len) == 0 && used < sizeof could)
            used += (size_t)snprintf(could + used, sizeof could - used, "%s--%s", used ? ", " : "",
                                     l->name);
    if (*could)
        hs_cli_usage(cmd, "unknown option '%.*s': write it out (%s)", (int)len + 2, a, could);
    else
        hs_cli_usage(cmd, "unknown option '%.*s'", (int)len + 2, a);
    return 1;
}

int hs_cli_next(hs_cli_parser *p, char **val)
{
    *val = NULL;
    if (p->rest) { /* the arguments after "--" */
        if (p->rest >= p->argc)
            return HS_CLI_END;
        *val = p->argv[p->rest++];
        return HS_CLI_ARG;
    }
    int i = optind ? optind : 1;
    const char *a = i < p->argc ? p->argv[i] : NULL;
    if (a && a[0] == '-' && a[1] == '-' && a[2] && refuse_long(p, a))
        return HS_CLI_ERROR;
    int c = getopt_long(p->argc, p->argv, p->shorts, p->longs, NULL);
    if (c == -1) {
        p->rest = optind;
        return hs_cli_next(p, val);
    }
    if (c == 1) {
        *val = optarg;
        return HS_CLI_ARG;
    }
    if (c == 'h') {
        hs_cli_print_help(p->spec, stdout);
        return HS_CLI_HELP;
    }
    const hs_cli_opt *o = find_key(p->spec, optopt);
    if (c == ':') {
        if (has_short(o) && a && a[1] != '-')
            hs_cli_usage(p->spec->cmd, "-%c needs a value (%s)", o->key, o->arg);
        else
            hs_cli_usage(p->spec->cmd, "--%s needs a value (%s)", o ? o->name : "?",
                         o ? o->arg : "");
        return HS_CLI_ERROR;
    }
    if (c == '?') {
        hs_cli_usage(p->spec->cmd, "unknown option '-%c'", optopt ? optopt : '?');
        return HS_CLI_ERROR;
    }
    p->opt = find_key(p->spec, c);
    *val = optarg;
    return c;
}

/* Parse text as a number in [lo, hi] for option `name`; 0 or a usage error (2). */
int hs_cli_number(const char *cmd, const char *name, const char *text, double lo, double hi,
                  double *x)
{
    char *end;
    *x = strtod(text, &end);
    if (!*text || *end || !(*x >= lo && *x <= hi))
        return hs_cli_usage(cmd, "--%s needs a number in [%g, %g], got '%s'", name, lo, hi, text);
    return 0;
}
