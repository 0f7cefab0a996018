/*
 * Slurm submission: cost estimates for choosing a time limit, Slurm time
 * strings, and rendering the sbatch templates in slurm/ into job scripts.
 *
 * A template is a bash script with `#SBATCH --key=value` lines and one
 * settings block between the lines "# >>> hsweep settings" and
 * "# <<< hsweep settings" holding `HS_NAME=...` assignments.  Rendering
 * replaces the #SBATCH lines whose keys it is given (adding the missing ones
 * after the last #SBATCH line) and the assignments of the variables it is
 * given; nothing else changes.  Values go into the settings block single-
 * quoted for the shell and into #SBATCH lines double-quoted with backslash
 * escapes (sbatch's own quoting), so no user string is ever read as shell
 * code or as a further sbatch option.
 */
#ifndef HSWEEP_SUBMIT_H
#define HSWEEP_SUBMIT_H

#include <stddef.h>

#include "hsweep/config.h"
#include "hsweep/error.h"

/* What the kernels' cost hints predict for a sweep file. */
typedef struct hs_estimate {
    double core_s;     /* sum over tasks of cost x ranks_per_task */
    double max_task_s; /* the longest single task */
    unsigned long long n_tasks;
} hs_estimate;

/* Sum the kernels' cost hints over every task of set (seeds share a hint). */
void hs_estimate_sweepset(const hs_sweepset *set, hs_estimate *est);

/*
 * Expected wall seconds on nodes x ntasks_per_node ranks: rank 0 coordinates
 * and the others work (one rank works alone), never less than the longest
 * task.  Node-hours are nodes x that / 3600.
 */
double hs_estimate_wall_s(const hs_estimate *est, int nodes, int ntasks_per_node);

/*
 * Parse a Slurm time limit ("M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S")
 * into seconds (> 0).  On error fills e (HS_EINPUT) with what is accepted.
 */
int hs_slurm_time_parse(const char *s, long *seconds, hs_err *e);
/* Format seconds as Slurm's "D-HH:MM:SS" (or "HH:MM:SS" under a day). */
void hs_slurm_time_format(long seconds, char *buf, size_t cap);

/* One #SBATCH option (key without "--") or one settings variable. */
typedef struct hs_kv {
    const char *key;
    const char *value;
} hs_kv;

/*
 * Render template text (tmpl_name is for messages) with the given #SBATCH
 * options and settings.  *out is malloc'd.  Fails (HS_EINPUT) if the
 * template has no settings block, if a setting is not assigned in it, or if
 * a value holds a character that cannot be passed safely (a newline in an
 * #SBATCH value).
 */
int hs_submit_render(const char *tmpl, const char *tmpl_name, const hs_kv *sbatch, size_t n_sbatch,
                     const hs_kv *settings, size_t n_settings, char **out, hs_err *e);

/* Append s to buf (malloc'd, grown as needed) quoted for a POSIX shell. */
int hs_shell_quote(const char *s, char **buf, size_t *len, size_t *cap);

/*
 * Checks of submit's option values (opt names the option in messages); each
 * returns 0, or HS_EINPUT with e saying what is accepted.
 *   text:      no control character (a newline would end an #SBATCH line)
 *   size:      Slurm's --mem: a whole number with an optional K, M, G or T
 *   mail_type: a comma list of sbatch(1)'s --mail-type values
 *   chars:     s is non-empty and made of letters, digits and the characters in extra
 */
int hs_submit_check_text(const char *opt, const char *s, hs_err *e);
int hs_submit_check_size(const char *opt, const char *s, hs_err *e);
int hs_submit_check_mail_type(const char *s, hs_err *e);
int hs_submit_check_chars(const char *opt, const char *s, const char *extra, const char *what,
                          hs_err *e);

/*
 * A pass-through sbatch option "--KEY" or "--KEY=VALUE" into kv (pointing
 * into arg, which is modified: the '=' becomes '\0').  Refused: another form,
 * a control character, and the keys submit writes itself or has an option
 * for (the message names that option).
 */
int hs_submit_sbatch_arg(char *arg, hs_kv *kv, hs_err *e);

/*
 * Append setup text (one --setup line, or a --setup-file's lines; origin
 * names it in messages) to the malloc'd, '\n'-separated *buf.  The lines stay
 * exactly as written (trusted shell, run by the job script before the
 * launch); refused: a NUL byte, a carriage return (DOS line ends), other
 * control characters but tab, and a newline in a single --setup line
 * (one_line).
 */
int hs_submit_setup_add(char **buf, const char *text, size_t n, int one_line, const char *origin,
                        hs_err *e);

#endif
