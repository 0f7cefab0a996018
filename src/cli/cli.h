/* The hsweep command's subcommands; each returns the process exit code. */
#ifndef HSWEEP_CLI_H
#define HSWEEP_CLI_H

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

/* Print "hsweep: MSG" to stderr and return the exit code for e. */
int hs_cli_fail(const hs_err *e);
/* Print a usage error and return 2. */
int hs_cli_usage(const char *cmd, const char *fmt, ...);

#endif
