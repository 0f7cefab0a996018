/* What `hsweep kernels exec` prints: the keys of an exec sweep, its placeholders and outputs. */
#include "hsweep/exec.h"

const hs_exec_key_doc hs_exec_key_docs[] = {
    {"command", "[\"prog\", \"arg\", ...]",
     "required: the program and its arguments, templates (below); never a shell"},
    {"parse", "\"json-last-line\"",
     "or \"key=value\": how metrics and traces are read from stdout"},
    {"metrics", "[\"name\", ...]",
     "float64 columns; each must be printed, else the task is failed"},
    {"traces", "{ name = max_len; }", "float64 arrays, cut to max_len; may be left out"},
    {"workdir", "\"runs/{task_id}\"", "template; created if missing (default: where hsweep runs)"},
    {"env", "{ NAME = \"value\"; }", "added to hsweep's environment; values are templates"},
    {"cost_s", "60 or \"2 + 0.1 * epochs\"",
     "expected seconds per task, a number or a formula of the parameters (+ - * / ^ ( ),\n"
     "sqrt log log2 exp abs min max): the run's longest-first order, plan's estimates"},
    {NULL, NULL, NULL}};

const char hs_exec_doc_text[] =
    "And every sweep's keys: name, fixed, matrix, zip, cases, seeds, expect, timeout_s,\n"
    "retries, mem_limit_mb, isolation, description, reduced.\n"
    "Parameters: the keys of fixed, matrix, zip and cases (type from the first value).\n"
    "Templates: {name} a parameter, {seed} the task's 64-bit RNG seed, {seed32} the same\n"
    "folded to 32 bits (seed ^ seed >> 32, for numpy/sklearn/R), {sweep_seed}, {task_id},\n"
    "{sweep}, {sweep_dir} (the sweep file's directory), {{ and }} literal braces.\n"
    "Environment: HSWEEP_SEED, HSWEEP_SEED32, HSWEEP_TASK_ID, HSWEEP_SWEEP, plus env.\n"
    "Output: json-last-line: the last stdout line that is a JSON object; numbers (null,\n"
    "NaN, Infinity) to metrics, arrays to traces, optional \"status\" (ok, nonfinite,\n"
    "diverged, failed) and \"detail\".  key=value: lines name = value, traces\n"
    "comma-separated.  A metric not printed fails the task unless the command reports\n"
    "its own non-ok status.\n"
    "Logs: each task's whole stdout and stderr in <results>.logs/<sweep>/<task_id>.out\n"
    "and .err (hsweep run --logs DIR, --no-logs); earlier attempts kept as .out.1, ...\n"
    "Provenance: SHA-256 of the command's files under the sweep directory, git describe,\n"
    "the interpreter's --version: attributes exec_* of the sweep's group (hsweep status).\n";
