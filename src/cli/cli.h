/* The hsweep command's subcommands; each returns the process exit code. */
#ifndef HSWEEP_CLI_H
#define HSWEEP_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "hsweep/error.h"
#include "hsweep/json.h"

int hs_cmd_run(int argc, char **argv);
int hs_cmd_plan(int argc, char **argv);
int hs_cmd_status(int argc, char **argv);
int hs_cmd_kernels(int argc, char **argv);
int hs_cmd_task(int argc, char **argv);
int hs_cmd_collate(int argc, char **argv);
int hs_cmd_report(int argc, char **argv);
int hs_cmd_diag(int argc, char **argv);
int hs_cmd_submit(int argc, char **argv);

/*
 * One option of a subcommand: its long name, its key (a letter for one
 * that also has a short form, else a number >= 256), the placeholder of its
 * value (NULL for a flag) and its help ('\n' continues it on the next line).
 */
typedef struct hs_cli_opt {
    const char *name;
    int key;
    const char *arg;
    const char *help;
} hs_cli_opt;

/* A subcommand's usage: `hsweep CMD ARGS`, a description and its options ({0}-terminated). */
typedef struct hs_cli_spec {
    const char *cmd, *args, *about;
    const hs_cli_opt *opts;
} hs_cli_spec;

#define HS_CLI_MAX_OPTS 40

/* The state of one parse (getopt_long's own state is global: one parse at a time). */
typedef struct hs_cli_parser {
    const hs_cli_spec *spec;
    const hs_cli_opt *opt; /* the option hs_cli_next returned last */
    int argc, rest;
    char **argv;
    struct option longs[HS_CLI_MAX_OPTS + 2];
    char shorts[3 * HS_CLI_MAX_OPTS + 4];
} hs_cli_parser;

enum { HS_CLI_END = -1, HS_CLI_ARG = -2, HS_CLI_HELP = -3, HS_CLI_ERROR = -4 };

/* Start parsing argv[1..argc) (argv[0] is the subcommand) by spec s. */
void hs_cli_begin(hs_cli_parser *p, const hs_cli_spec *s, int argc, char **argv);
/*
 * The next option's key with *val its value (NULL for a flag);
 * HS_CLI_ARG with *val a positional argument (in command-line order, and
 * every argument after "--"); HS_CLI_END; HS_CLI_HELP after printing the
 * usage to stdout (exit 0); HS_CLI_ERROR after printing a usage error
 * (exit 2).
 */
int hs_cli_next(hs_cli_parser *p, char **val);
/* Parse text as a number in [lo, hi] for option --name: 0, or a usage error's 2. */
int hs_cli_number(const char *cmd, const char *name, const char *text, double lo, double hi,
                  double *x);
/* The full usage of s (`hsweep CMD --help`). */
void hs_cli_print_help(const hs_cli_spec *s, FILE *f);
/* s's entry in `hsweep --help`: its synopsis with every option, and its first line. */
void hs_cli_print_synopsis(const hs_cli_spec *s, FILE *f);

extern const hs_cli_spec hs_cli_run, hs_cli_plan, hs_cli_status, hs_cli_kernels, hs_cli_task,
    hs_cli_collate, hs_cli_report, hs_cli_diag;

/* Print "hsweep: MSG" to stderr and return the exit code for e. */
int hs_cli_fail(const hs_err *e);
/* Print a usage error and return 2. */
int hs_cli_usage(const char *cmd, const char *fmt, ...);

#endif
