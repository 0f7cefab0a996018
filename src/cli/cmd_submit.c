/*
 * hsweep submit: write a Slurm job script for a sweep file from a template
 * in slurm/ and hand it to sbatch.  sbatch is executed directly (execvp, no
 * shell) and every user string reaches the script quoted (hsweep/submit.h).
 */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "hsweep/submit.h"

#define MAX_SBATCH_ARGS 32

typedef struct submit_args {
    const char *sweep, *output, *template_name, *script, *partition, *account, *launcher, *collate;
    const char *qos, *constraint, *mem, *mem_per_cpu, *gres, *gpus_per_task, *mail_type, *mail_user,
        *mpi;
    long nodes, ntasks, time_s, signal_s, cpus;
    const char *time_text;
    hs_kv extra[MAX_SBATCH_ARGS]; /* --sbatch-arg, in order */
    size_t n_extra;
    char *setup; /* --setup and --setup-file lines, in order; NULL if none */
    int dry_run;
} submit_args;

enum {
    O_TEMPLATE = 256,
    O_SCRIPT,
    O_NODES,
    O_NTASKS,
    O_TIME,
    O_SIGNAL,
    O_PARTITION,
    O_ACCOUNT,
    O_QOS,
    O_CONSTRAINT,
    O_CPUS,
    O_MEM,
    O_MEM_PER_CPU,
    O_GRES,
    O_GPUS_PER_TASK,
    O_MAIL_TYPE,
    O_MAIL_USER,
    O_SBATCH_ARG,
    O_LAUNCHER,
    O_MPI,
    O_SETUP,
    O_SETUP_FILE,
    O_COLLATE,
    O_DRY_RUN
};

/* Every option of submit: getopt_long's table and the --help text come from here. */
static const struct {
    const char *name;
    int key;
    const char *arg, *help;
} submit_opts[] = {
    {"output", 'o', "FILE",
     "results file (default: the sweep file's output); the job\n"
     "script goes beside it as STEM.sbatch, the log as STEM-JOBID.out"},
    {"template", O_TEMPLATE, "NAME|FILE",
     "requeue (default), srun, mpirun, or a script with the same\n"
     "settings block"},
    {"script", O_SCRIPT, "FILE", "where to write the job script"},
    {"nodes", O_NODES, "N", "sbatch --nodes"},
    {"ntasks-per-node", O_NTASKS, "M", "sbatch --ntasks-per-node: MPI ranks per node"},
    {"time", O_TIME, "T", "sbatch --time: M, M:S, H:M:S, D-H, D-H:M or D-H:M:S"},
    {"signal-offset", O_SIGNAL, "S", "seconds from the warning signal to the time limit"},
    {"partition", O_PARTITION, "P", "sbatch --partition (also for the collate job)"},
    {"account", O_ACCOUNT, "A", "sbatch --account (also for the collate job)"},
    {"qos", O_QOS, "Q", "sbatch --qos (also for the collate job)"},
    {"constraint", O_CONSTRAINT, "EXPR", "sbatch --constraint (also for the collate job)"},
    {"cpus-per-task", O_CPUS, "N", "sbatch --cpus-per-task: cores per rank and what it starts"},
    {"mem", O_MEM, "SIZE", "sbatch --mem, memory per node (e.g. 64G)"},
    {"mem-per-cpu", O_MEM_PER_CPU, "SIZE", "sbatch --mem-per-cpu (not with --mem)"},
    {"gres", O_GRES, "LIST", "sbatch --gres, generic resources per node (e.g. gpu:4)"},
    {"gpus-per-task", O_GPUS_PER_TASK, "[TYPE:]N", "sbatch --gpus-per-task"},
    {"mail-type", O_MAIL_TYPE, "TYPES", "sbatch --mail-type (e.g. END,FAIL)"},
    {"mail-user", O_MAIL_USER, "ADDR", "sbatch --mail-user"},
    {"sbatch-arg", O_SBATCH_ARG, "--KEY[=VALUE]",
     "any other sbatch option, an #SBATCH line of the\n"
     "sweep job (repeatable; e.g. --sbatch-arg=--exclusive)"},
    {"launcher", O_LAUNCHER, "srun|mpirun", "how the requeue job starts the ranks (default srun)"},
    {"mpi", O_MPI, "PLUGIN", "srun --mpi=PLUGIN (default pmix; see srun --mpi=list)"},
    {"setup", O_SETUP, "LINE",
     "a shell line the jobs run before starting hsweep, as\n"
     "written: trusted shell (repeatable; e.g. \"module load x\")"},
    {"setup-file", O_SETUP_FILE, "FILE", "the lines of FILE, likewise"},
    {"collate", O_COLLATE, "\"ARGS\"",
     "then a job running hsweep collate FILE ARGS (split at blanks)"},
    {"dry-run", O_DRY_RUN, NULL, "print the job script(s), write and submit nothing"},
    {"help", 'h', NULL, "this help"},
};
#define N_OPTS (sizeof submit_opts / sizeof submit_opts[0])

static void print_help(void)
{
    printf("Usage: hsweep submit SWEEP.cfg [OPTION...]\n"
           "Write a Slurm job script for SWEEP.cfg from a template (by default one that\n"
           "requeues itself at the time limit and resumes the results file) and sbatch it.\n"
           "Options not given keep the template's values.  Exit 0 submitted (job ids on\n"
           "stdout), 1 sbatch failed, 2 bad input or usage (nothing submitted).\n\nOptions:\n");
    for (size_t i = 0; i < N_OPTS; i++) {
        char head[64];
        int k = submit_opts[i].key;
        snprintf(head, sizeof head, "%s--%s%s%s",
                 k == 'o'   ? "-o, "
                 : k == 'h' ? "-h, "
                            : "",
                 submit_opts[i].name, submit_opts[i].arg ? " " : "",
                 submit_opts[i].arg ? submit_opts[i].arg : "");
        printf("  %-30s", head);
        if (strlen(head) > 30)
            printf("\n  %-30s", "");
        for (const char *h = submit_opts[i].help; *h; h++)
            if (*h == '\n')
                printf("\n  %-30s", "");
            else
                putchar(*h);
        printf("\n");
    }
    printf("\nLong options take their value as --opt VALUE or --opt=VALUE and are never\n"
           "abbreviated; -- ends the options.  See slurm/README.md.\n");
}

/* A positive integer option value, at most max. */
static int parse_count(const char *opt, const char *s, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 1 || v > max)
        return hs_cli_usage("submit", "%s needs a whole number from 1 to %ld, got '%s'", opt, max,
                            s);
    *out = v;
    return 0;
}

/* Slurm names (partition, account, QOS): letters, digits, _ - . (no quoting games). */
static int check_name(const char *opt, const char *s)
{
    hs_err e;
    if (hs_submit_check_chars(opt, s, "_-.", "a Slurm name (letters, digits, _ - .)", &e) != 0)
        return hs_cli_usage("submit", "%s", e.msg);
    return 0;
}

/* malloc'd text of the file (what it is, for messages), its length in *len; NULL with e filled. */
static char *slurp(const char *path, const char *what, size_t *len, hs_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        HS_FAIL(e, HS_EINPUT, "cannot read %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    char *s = NULL;
    size_t n = 0, cap = 0, r;
    do {
        if (n + 4096 + 1 > cap) {
            char *t = realloc(s, cap = cap ? 2 * cap : 8192);
            if (!t) {
                free(s);
                fclose(f);
                HS_FAIL(e, HS_ENOMEM, "out of memory reading %s", path);
                return NULL;
            }
            s = t;
        }
        r = fread(s + n, 1, 4096, f);
        n += r;
    } while (r > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(s);
        HS_FAIL(e, HS_EIO, "cannot read %s %s", what, path);
        return NULL;
    }
    s[n] = '\0';
    *len = n;
    return s;
}

/* Append the lines of a --setup-file to a->setup. */
static int read_setup_file(submit_args *a, const char *path)
{
    hs_err e;
    size_t n;
    char *text = slurp(path, "--setup-file", &n, &e);
    int rc = text ? hs_submit_setup_add(&a->setup, text, n, 0, path, &e) : e.code;
    free(text);
    return rc == 0 ? 0 : rc == HS_EINPUT ? hs_cli_usage("submit", "%s", e.msg) : hs_cli_fail(&e);
}

/* One option (getopt_long's key k, value v) into a. */
static int take_option(submit_args *a, int k, char *v)
{
    hs_err e;
    const char *opt = "";
    for (size_t i = 0; i < N_OPTS; i++)
        if (submit_opts[i].key == k)
            opt = submit_opts[i].name;
    char dashed[40];
    snprintf(dashed, sizeof dashed, "--%s", opt);
    if (v && k != O_SETUP && k != O_SETUP_FILE && hs_submit_check_text(dashed, v, &e) != 0)
        return hs_cli_usage("submit", "%s", e.msg);
    const char **str = k == 'o'               ? &a->output
                       : k == O_TEMPLATE      ? &a->template_name
                       : k == O_SCRIPT        ? &a->script
                       : k == O_PARTITION     ? &a->partition
                       : k == O_ACCOUNT       ? &a->account
                       : k == O_QOS           ? &a->qos
                       : k == O_CONSTRAINT    ? &a->constraint
                       : k == O_MEM           ? &a->mem
                       : k == O_MEM_PER_CPU   ? &a->mem_per_cpu
                       : k == O_GRES          ? &a->gres
                       : k == O_GPUS_PER_TASK ? &a->gpus_per_task
                       : k == O_MAIL_TYPE     ? &a->mail_type
                       : k == O_MAIL_USER     ? &a->mail_user
                       : k == O_LAUNCHER      ? &a->launcher
                       : k == O_MPI           ? &a->mpi
                       : k == O_COLLATE       ? &a->collate
                       : k == O_TIME          ? &a->time_text
                                              : NULL;
    if (str) {
        *str = v;
        return 0;
    }
    switch (k) {
    case O_NODES:
        return parse_count(dashed, v, 100000, &a->nodes);
    case O_NTASKS:
        return parse_count(dashed, v, 100000, &a->ntasks);
    case O_SIGNAL:
        return parse_count(dashed, v, 86400, &a->signal_s);
    case O_CPUS:
        return parse_count(dashed, v, 100000, &a->cpus);
    case O_DRY_RUN:
        a->dry_run = 1;
        return 0;
    case O_SETUP:
        if (hs_submit_setup_add(&a->setup, v, strlen(v), 1, "--setup", &e) != 0)
            return e.code == HS_EINPUT ? hs_cli_usage("submit", "%s", e.msg) : hs_cli_fail(&e);
        return 0;
    case O_SETUP_FILE:
        return read_setup_file(a, v);
    case O_SBATCH_ARG:
        if (a->n_extra == MAX_SBATCH_ARGS)
            return hs_cli_usage("submit", "at most %d --sbatch-arg", MAX_SBATCH_ARGS);
        if (hs_submit_sbatch_arg(v, &a->extra[a->n_extra], &e) != 0)
            return hs_cli_usage("submit", "%s", e.msg);
        a->n_extra++;
        return 0;
    }
    return hs_cli_usage("submit", "option %s not handled", dashed);
}

/* Checks across options, after all are read. */
static int check_args(submit_args *a)
{
    hs_err e;
    if (!a->sweep)
        return hs_cli_usage("submit", "needs a sweep file");
    if ((a->partition && check_name("--partition", a->partition)) ||
        (a->account && check_name("--account", a->account)) ||
        (a->qos && check_name("--qos", a->qos)))
        return 2;
    if (a->launcher && strcmp(a->launcher, "srun") != 0 && strcmp(a->launcher, "mpirun") != 0)
        return hs_cli_usage("submit", "--launcher is srun or mpirun, not '%s'", a->launcher);
    if (a->mpi && ((a->launcher && strcmp(a->launcher, "mpirun") == 0) ||
                   strcmp(a->template_name, "mpirun") == 0))
        return hs_cli_usage("submit",
                            "--mpi chooses srun's MPI plugin; it does not go with mpirun");
    if (a->mem && a->mem_per_cpu)
        return hs_cli_usage("submit", "--mem and --mem-per-cpu exclude each other (as in sbatch)");
    int bad =
        (a->mpi && hs_submit_check_chars("--mpi", a->mpi, "_",
                                         "an srun MPI plugin name (e.g. pmix, "
                                         "pmi2, cray_shasta; see srun --mpi=list)",
                                         &e)) ||
        (a->mem && hs_submit_check_size("--mem", a->mem, &e)) ||
        (a->mem_per_cpu && hs_submit_check_size("--mem-per-cpu", a->mem_per_cpu, &e)) ||
        (a->gres && hs_submit_check_chars("--gres", a->gres, "_-.:,/",
                                          "a list of NAME[:TYPE][:COUNT] "
                                          "(e.g. gpu:a100:4)",
                                          &e)) ||
        (a->gpus_per_task && hs_submit_check_chars("--gpus-per-task", a->gpus_per_task, "_-.:,",
                                                   "[TYPE:]N (e.g. 1 or a100:1)", &e)) ||
        (a->constraint && hs_submit_check_chars("--constraint", a->constraint, "_-.&|[]*:,()!",
                                                "node features joined by & | , [] and *N", &e)) ||
        (a->mail_type && hs_submit_check_mail_type(a->mail_type, &e)) ||
        (a->mail_user &&
         hs_submit_check_chars("--mail-user", a->mail_user, "_-.+@%", "a mail address", &e));
    if (bad)
        return hs_cli_usage("submit", "%s", e.msg);
    if (a->time_text && hs_slurm_time_parse(a->time_text, &a->time_s, &e) != 0)
        return hs_cli_usage("submit", "--time: %s", e.msg);
    return 0;
}

/*
 * Parse argv with getopt_long: long options with "--opt VALUE" or
 * "--opt=VALUE", -o and -h, "--" ends the options.  getopt_long accepts
 * unambiguous abbreviations; submit does not (an abbreviation of a new
 * option could change meaning), so each option's word is checked whole.
 * Returns 0, 2 on a usage error, or -1 after --help.
 */
static int parse_args(int argc, char **argv, submit_args *a)
{
    struct option longs[N_OPTS + 1];
    for (size_t i = 0; i < N_OPTS; i++)
        longs[i] = (struct option){submit_opts[i].name,
                                   submit_opts[i].arg ? required_argument : no_argument, NULL,
                                   submit_opts[i].key};
    longs[N_OPTS] = (struct option){0};
    opterr = 0;
    optind = 0; /* glibc: start afresh */
    int k, li, rc = 0;
    while (rc == 0 && (k = getopt_long(argc, argv, ":o:h", longs, &li)) != -1) {
        /* The word that named the option: before its value when that came separately. */
        const char *word = argv[optind - 1];
        if (optarg && optarg == argv[optind - 1] && optind >= 2)
            word = argv[optind - 2];
        if (k == '?' && optopt > 0 && optopt < 256 && optopt != 'o' && optopt != 'h')
            return hs_cli_usage("submit", "unknown option '-%c'", optopt);
        if (k == '?' && !optopt)
            return hs_cli_usage("submit", "unknown option '%.*s'",
                                (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
        if (k == ':')
            return hs_cli_usage("submit", "%s needs a value", word);
        int no_value = k == '?'; /* a long option given a value it does not take */
        if (no_value)
            k = optopt;
        if (word[0] == '-' && word[1] == '-') {
            size_t n = strcspn(word + 2, "=");
            const char *full = NULL;
            for (size_t i = 0; i < N_OPTS && !full; i++)
                full = submit_opts[i].key == k ? submit_opts[i].name : NULL;
            if (!full || strlen(full) != n || strncmp(word + 2, full, n) != 0)
                return hs_cli_usage("submit",
                                    "unknown option '%.*s' (options are not abbreviated: --%s)",
                                    (int)n + 2, word, full ? full : "?");
        }
        if (no_value)
            return hs_cli_usage("submit", "%.*s takes no value", (int)strcspn(word, "="), word);
        if (k == 'h') {
            print_help();
            return -1;
        }
        rc = take_option(a, k, optarg);
    }
    for (int i = optind; rc == 0 && i < argc; i++) {
        if (a->sweep)
            return hs_cli_usage("submit", "one sweep file only ('%s' and '%s')", a->sweep, argv[i]);
        a->sweep = argv[i];
    }
    return rc ? rc : check_args(a);
}

/* malloc'd absolute form of path (relative to the working directory). */
static char *absolute(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", cwd, path);
    return s;
}

/*
 * The template file: NAME (srun, mpirun, requeue, collate) is NAME.sbatch,
 * looked for beside the executable in ../share/hsweep/slurm (an installed
 * hsweep), then in $HSWEEP_TEMPLATES, then in ../slurm (a build directory in
 * the source tree); anything with a '/' or ending in .sbatch is a file name.
 */
static int find_template(const char *name, char *path, size_t cap, hs_err *e)
{
    size_t n = strlen(name);
    if (strchr(name, '/') || (n > 7 && strcmp(name + n - 7, ".sbatch") == 0)) {
        snprintf(path, cap, "%s", name);
        return 0;
    }
    char exe[PATH_MAX] = "";
    ssize_t r = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[r > 0 ? r : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    const char *env = getenv("HSWEEP_TEMPLATES");
    const char *dirs[3][2] = {{exe, "/../share/hsweep/slurm"}, {env, ""}, {exe, "/../slurm"}};
    for (int i = 0; i < 3; i++) {
        if (!dirs[i][0] || !dirs[i][0][0])
            continue;
        snprintf(path, cap, "%s%s/%s.sbatch", dirs[i][0], dirs[i][1], name);
        if (access(path, R_OK) == 0)
            return 0;
    }
    return HS_FAIL(
        e, HS_EINPUT,
        "no template '%s' (looked for %s.sbatch in %s/../share/hsweep/slurm, $HSWEEP_TEMPLATES "
        "and %s/../slurm); give --template FILE",
        name, name, exe, exe);
}

/* "dir/stem" of the results file (".h5" dropped), malloc'd. */
static char *results_stem(const char *abs_output)
{
    char *s = strdup(abs_output);
    size_t n = s ? strlen(s) : 0;
    if (n > 3 && strcmp(s + n - 3, ".h5") == 0)
        s[n - 3] = '\0';
    return s;
}

/* s with every '%' doubled (a literal % in a Slurm file name pattern), malloc'd. */
static char *pattern_escape(const char *s)
{
    char *o = malloc(2 * strlen(s) + 1), *q = o;
    for (; o && *s; s++) {
        if (*s == '%')
            *q++ = '%';
        *q++ = *s;
    }
    if (o)
        *q = '\0';
    return o;
}

/* Create the parent directories of path (like mkdir -p of its dirname). */
static int make_parents(const char *path, hs_err *e)
{
    char *d = strdup(path);
    if (!d)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    int rc = 0;
    for (char *p = d + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(d, 0777) != 0 && errno != EEXIST)
            rc = HS_FAIL(e, HS_EIO, "cannot create directory %s: %s", d, strerror(errno));
        *p = '/';
    }
    free(d);
    return rc;
}

/*
 * Write text to path through a new file of its own beside it (created
 * exclusively, so never through a link) that is then renamed onto path:
 * whatever is at path -- an older script, or a symlink planted there -- is
 * replaced, never written through.  HS_EIO on failure, path untouched.
 */
static int write_file(const char *path, const char *text, hs_err *e)
{
    HS_CALL(make_parents(path, e));
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        free(tmp);
        return HS_FAIL(e, HS_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    mode_t um = umask(0);
    umask(um);
    FILE *f = fdopen(fd, "w");
    int bad = !f || fchmod(fd, 0666 & ~um) != 0 || fputs(text, f) < 0;
    bad |= f ? fclose(f) != 0 : close(fd) != 0;
    bad = bad || rename(tmp, path) != 0;
    int err = errno;
    if (bad)
        unlink(tmp);
    free(tmp);
    return bad ? HS_FAIL(e, HS_EIO, "cannot write %s: %s", path, strerror(err)) : 0;
}

/*
 * Run `$HSWEEP_SBATCH --parsable [dependency options] script` (default
 * sbatch) without a shell; put the job id it prints into id.
 */
static int run_sbatch(const char *script, const char *after, char *id, size_t cap, hs_err *e)
{
    const char *prog = getenv("HSWEEP_SBATCH");
    prog = prog && *prog ? prog : "sbatch";
    char dep[64];
    const char *argv[6] = {prog, "--parsable"};
    int n = 2;
    if (after) {
        /* afterany, not afterok: a sweep with failed tasks exits 4 and is
         * still tabulated; collate.sbatch refuses a file with tasks left. */
        snprintf(dep, sizeof dep, "--dependency=afterany:%s", after);
        argv[n++] = dep;
    }
    argv[n++] = script;
    argv[n] = NULL;
    int fd[2];
    if (pipe(fd) != 0)
        return HS_FAIL(e, HS_EIO, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return HS_FAIL(e, HS_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execvp(prog, (char *const *)argv);
        fprintf(stderr, "hsweep submit: cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t r;
    while (len + 1 < cap && (r = read(fd[0], id + len, cap - 1 - len)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        len += (size_t)r;
    }
    id[len] = '\0';
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    id[strspn(id, "0123456789")] = '\0'; /* "ID" or "ID;cluster" */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return HS_FAIL(e, HS_EIO, "%s %s failed (exit status %d); nothing submitted for it", prog,
                       script, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    if (!id[0])
        return HS_FAIL(e, HS_EIO, "%s %s printed no job id", prog, script);
    return 0;
}

typedef struct job {
    char tmpl_path[PATH_MAX];
    char *text;   /* rendered script */
    char *script; /* where it is written */
} job;

/* Render template `name` into j with the given #SBATCH options and settings. */
static int render(job *j, const char *name, const hs_kv *sb, size_t nsb, const hs_kv *set,
                  size_t nset, hs_err *e)
{
    HS_CALL(find_template(name, j->tmpl_path, sizeof j->tmpl_path, e));
    size_t n;
    char *t = slurp(j->tmpl_path, "template", &n, e);
    if (!t)
        return e->code;
    int rc = hs_submit_render(t, j->tmpl_path, sb, nsb, set, nset, &j->text, e);
    free(t);
    return rc;
}

/* The value of the script's "#SBATCH --key=value" line (quotes dropped) into buf; "" if none. */
static const char *sbatch_value(const char *text, const char *key, char *buf, size_t cap)
{
    char tag[64];
    snprintf(tag, sizeof tag, "\n#SBATCH --%s=", key);
    const char *p = strstr(text, tag);
    size_t n = 0;
    for (p = p ? p + strlen(tag) : ""; *p && *p != '\n' && n + 1 < cap; p++)
        if (*p != '"')
            buf[n++] = *p;
    buf[n] = '\0';
    return buf;
}

/* A duration in the unit that reads best. */
static void fmt_duration(double s, char *buf, size_t cap)
{
    if (s < 120)
        snprintf(buf, cap, "%.3g s", s);
    else if (s < 7200)
        snprintf(buf, cap, "%.3g min", s / 60);
    else
        snprintf(buf, cap, "%.3g h", s / 3600);
}

/* Summary of the cost estimate and the time it needs, to stderr. */
static void print_estimate(const hs_estimate *est, long nodes, long ntasks, long time_s,
                           long signal_s)
{
    double wall = hs_estimate_wall_s(est, (int)nodes, (int)ntasks);
    char w[32];
    fmt_duration(wall, w, sizeof w);
    fprintf(
        stderr,
        "hsweep submit: %llu tasks, estimated %.3g core-hours (kernels' cost hints); on %ld node(s) x %ld "
        "rank(s): about %s of wall time, %.3g node-hours\n",
        est->n_tasks, est->core_s / 3600, nodes, ntasks, w, wall * (double)nodes / 3600);
    if (time_s > 0 && signal_s > 0 && wall > (double)(time_s - signal_s))
        fprintf(stderr, "hsweep submit: longer than one time limit: expect about %.0f requeue(s)\n",
                ceil(wall / (double)(time_s - signal_s)) - 1);
}

/* One submission: its paths and names, the #SBATCH options and settings, and the two jobs. */
typedef struct submit {
    submit_args a;
    hs_sweepset *set;
    hs_estimate est;
    char exe[PATH_MAX], jobname[64];
    char *sweep_abs, *out_abs, *stem, *stem_pat, *log, *clog;
    char time_buf[32], sig_buf[32], nodes_buf[24], ntasks_buf[24], cpus_buf[24];
    hs_kv opt_sb[14];               /* the options hsweep sets when given (some NULL) */
    hs_kv sb[24 + MAX_SBATCH_ARGS]; /* the job's #SBATCH options */
    size_t nsb;
    hs_kv st[6]; /* the job's settings */
    size_t nst;
    job sj, cj; /* the sweep's job; the collate job (cj.text NULL without --collate) */
} submit;

/*
 * The paths the job uses (hsweep itself, the sweep and results files, absolute),
 * the job's name and log names, and the scripts' paths.  On failure HS_EIO or
 * HS_ENOMEM in e; submit_free releases what was made.
 */
static int submit_paths(submit *s, hs_err *e)
{
    const submit_args *a = &s->a;
    ssize_t r = readlink("/proc/self/exe", s->exe, sizeof s->exe - 1);
    s->exe[r > 0 ? r : 0] = '\0';
    s->sweep_abs = realpath(a->sweep, NULL);
    s->out_abs = absolute(a->output ? a->output : s->set->output);
    s->stem = s->out_abs ? results_stem(s->out_abs) : NULL;
    s->stem_pat = s->stem ? pattern_escape(s->stem) : NULL;
    /* Job name: the sweep file's stem, reduced to characters Slurm shows plainly. */
    const char *base = strrchr(a->sweep, '/') ? strrchr(a->sweep, '/') + 1 : a->sweep;
    snprintf(s->jobname, sizeof s->jobname, "hsweep-%.*s", (int)strcspn(base, "."), base);
    for (char *p = s->jobname; *p; p++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", *p))
            *p = '_';
    size_t sl =
        s->stem_pat ? strlen(s->stem_pat) + 32 : 0; /* stem_pat is at least as long as stem */
    s->log = malloc(sl + 1);
    s->clog = malloc(sl + 1);
    s->sj.script = a->script ? strdup(a->script) : malloc(sl + 1);
    s->cj.script = malloc(sl + 1);
    if (!s->sweep_abs || !s->out_abs || !s->stem || !s->stem_pat || !s->log || !s->clog ||
        !s->sj.script || !s->cj.script)
        return s->sweep_abs
                   ? HS_FAIL(e, HS_ENOMEM, "out of memory")
                   : HS_FAIL(e, HS_EIO, "cannot resolve %s: %s", a->sweep, strerror(errno));
    snprintf(s->log, sl, "%s-%%j.out", s->stem_pat);
    snprintf(s->clog, sl, "%s-collate-%%j.out", s->stem_pat);
    if (!a->script)
        snprintf(s->sj.script, sl, "%s.sbatch", s->stem);
    snprintf(s->cj.script, sl, "%s.collate.sbatch", s->stem);
    return 0;
}

/* The job's #SBATCH options (s->sb) and settings (s->st) from the command line. */
static void submit_options(submit *s)
{
    const submit_args *a = &s->a;
    if (a->time_s)
        hs_slurm_time_format(a->time_s, s->time_buf, sizeof s->time_buf);
    snprintf(s->nodes_buf, sizeof s->nodes_buf, "%ld", a->nodes);
    snprintf(s->ntasks_buf, sizeof s->ntasks_buf, "%ld", a->ntasks);
    snprintf(s->cpus_buf, sizeof s->cpus_buf, "%ld", a->cpus);
    const hs_kv opt_sb[] = {{"nodes", a->nodes ? s->nodes_buf : NULL},
                            {"ntasks-per-node", a->ntasks ? s->ntasks_buf : NULL},
                            {"time", a->time_s ? s->time_buf : NULL},
                            {"partition", a->partition},
                            {"account", a->account},
                            {"qos", a->qos},
                            {"constraint", a->constraint},
                            {"cpus-per-task", a->cpus ? s->cpus_buf : NULL},
                            {"mem", a->mem},
                            {"mem-per-cpu", a->mem_per_cpu},
                            {"gres", a->gres},
                            {"gpus-per-task", a->gpus_per_task},
                            {"mail-type", a->mail_type},
                            {"mail-user", a->mail_user}};
    _Static_assert(sizeof opt_sb == sizeof s->opt_sb, "submit.opt_sb holds every option");
    memcpy(s->opt_sb, opt_sb, sizeof opt_sb);
    s->sb[0] = (hs_kv){"job-name", s->jobname};
    s->sb[1] = (hs_kv){"output", s->log};
    s->nsb = 2;
    for (size_t i = 0; i < sizeof opt_sb / sizeof opt_sb[0]; i++)
        if (opt_sb[i].value)
            s->sb[s->nsb++] = opt_sb[i];
    for (size_t i = 0; i < a->n_extra; i++)
        s->sb[s->nsb++] = a->extra[i];
    s->st[0] = (hs_kv){"HS_BIN", s->exe};
    s->st[1] = (hs_kv){"HS_SWEEP", s->sweep_abs};
    s->st[2] = (hs_kv){"HS_OUTPUT", s->out_abs};
    s->nst = 3;
    if (a->launcher)
        s->st[s->nst++] = (hs_kv){"HS_LAUNCHER", a->launcher};
    if (a->mpi)
        s->st[s->nst++] = (hs_kv){"HS_MPI", a->mpi};
    if (a->setup)
        s->st[s->nst++] = (hs_kv){"HS_SETUP", a->setup};
}

/*
 * Render the sweep's job, with a warning signal that leaves in-flight tasks
 * time to finish when the template asks for one, and the collate job
 * (--collate).  HS_EINPUT when the signal does not fit the time limit.
 */
static int submit_render(submit *s, hs_err *e)
{
    submit_args *a = &s->a;
    /* Render once to learn whether the template asks for a warning signal. */
    HS_CALL(render(&s->sj, a->template_name, s->sb, s->nsb, s->st, s->nst, e));
    int warns = strstr(s->sj.text, "\n#SBATCH --signal=") != NULL;
    if (a->signal_s && !warns)
        return HS_FAIL(e, HS_EINPUT, "--signal-offset: template %s asks for no warning signal",
                       s->sj.tmpl_path);
    if (warns && (a->time_s || a->signal_s)) {
        /* In-flight tasks must finish after the warning: the longest task plus
         * 30 s for closing the file, and at least Slurm's 60 s resolution
         * (sbatch(1), --signal). */
        long sig = a->signal_s ? a->signal_s : (long)fmax(60, ceil(1.5 * s->est.max_task_s) + 30);
        if (a->time_s && sig >= a->time_s)
            return HS_FAIL(
                e, HS_EINPUT,
                "the warning signal (%ld s before the end) does not fit in --time %s; give a longer "
                "--time or a shorter --signal-offset",
                sig, a->time_text);
        a->signal_s = sig;
        snprintf(s->sig_buf, sizeof s->sig_buf, "B:USR1@%ld", sig);
        s->sb[s->nsb++] = (hs_kv){"signal", s->sig_buf};
        free(s->sj.text);
        s->sj.text = NULL;
        HS_CALL(render(&s->sj, a->template_name, s->sb, s->nsb, s->st, s->nst, e));
    }
    if (a->collate) {
        hs_kv csb[6] = {{"job-name", s->jobname}, {"output", s->clog}};
        size_t ncsb = 2;
        for (size_t i = 3; i < 7; i++) /* partition, account, qos, constraint */
            if (s->opt_sb[i].value)
                csb[ncsb++] = s->opt_sb[i];
        hs_kv cst[4] = {
            {"HS_BIN", s->exe}, {"HS_OUTPUT", s->out_abs}, {"HS_COLLATE_ARGS", a->collate}};
        size_t ncst = 3;
        if (a->setup)
            cst[ncst++] = (hs_kv){"HS_SETUP", a->setup};
        HS_CALL(render(&s->cj, "collate", csb, ncsb, cst, ncst, e));
    }
    return 0;
}

/* The estimate for what the script asks, template defaults included, to stderr. */
static void submit_estimate(const submit *s)
{
    char v[64];
    const char *text = s->sj.text;
    const char *at = strchr(sbatch_value(text, "signal", v, sizeof v), '@');
    long sig = at ? atol(at + 1) : 0, nodes = atol(sbatch_value(text, "nodes", v, sizeof v)),
         ntasks = atol(sbatch_value(text, "ntasks-per-node", v, sizeof v)), tl = 0;
    hs_err te;
    if (hs_slurm_time_parse(sbatch_value(text, "time", v, sizeof v), &tl, &te) != 0)
        tl = 0;
    print_estimate(&s->est, nodes > 0 ? nodes : 1, ntasks > 0 ? ntasks : 1, tl, sig);
}

/*
 * With --dry-run print the scripts; else write them and submit them (the
 * collate job after the sweep's), printing the job ids.
 */
static int submit_send(const submit *s, hs_err *e)
{
    const job *sj = &s->sj, *cj = &s->cj;
    if (s->a.dry_run) {
        printf("%s", sj->text);
        if (cj->text)
            printf(
                "\n# ---- then, with --dependency=afterany:<the job above> (it tabulates the file "
                "only when no task is left):\n%s",
                cj->text);
        return 0;
    }
    char id[64], cid[64];
    HS_CALL(write_file(sj->script, sj->text, e));
    if (cj->text)
        HS_CALL(write_file(cj->script, cj->text, e));
    HS_CALL(run_sbatch(sj->script, NULL, id, sizeof id, e));
    printf("%s\n", id);
    fprintf(stderr, "hsweep submit: job %s (%s) -> %s\n", id, sj->script, s->out_abs);
    if (cj->text) {
        HS_CALL(run_sbatch(cj->script, id, cid, sizeof cid, e));
        printf("%s\n", cid);
        fprintf(stderr, "hsweep submit: collate job %s after %s (%s)\n", cid, id, cj->script);
    }
    return 0;
}

static void submit_free(submit *s)
{
    free(s->sj.text);
    free(s->sj.script);
    free(s->cj.text);
    free(s->cj.script);
    free(s->log);
    free(s->clog);
    free(s->stem_pat);
    free(s->stem);
    free(s->out_abs);
    free(s->sweep_abs);
    free(s->a.setup);
    hs_sweepset_free(&s->set);
}

int hs_cmd_submit(int argc, char **argv)
{
    submit s = {.a = {.template_name = "requeue"}};
    hs_err e = {0};
    int rc = parse_args(argc, argv, &s.a);
    if (rc || hs_sweepset_load(s.a.sweep, &(hs_load_opts){0}, &s.set, &e) != 0) {
        free(s.a.setup);
        return rc < 0 ? 0 : rc ? rc : hs_cli_fail(&e);
    }
    hs_estimate_sweepset(s.set, &s.est);
    rc = submit_paths(&s, &e);
    if (rc == 0) {
        submit_options(&s);
        rc = submit_render(&s, &e);
    }
    if (rc == 0) {
        submit_estimate(&s);
        rc = submit_send(&s, &e);
    }
    if (rc)
        rc = hs_cli_fail(&e);
    submit_free(&s);
    return rc;
}
