/*
 * How the exec kernel reads a task's answer from the command's standard
 * output (src/kernels/exec_output.c), through the kernel itself: the command
 * is printf of a string parameter, so each case is exactly the bytes given.
 * JSON mode: the last line that starts with '{' is the answer (lines of
 * other text and earlier objects are ignored, a missing final newline is
 * fine), numbers are metrics, arrays traces, \u escapes (pairs too) in
 * "detail" decode to UTF-8, "status" sets the task's status; garbage, a
 * malformed object, a value of the wrong kind, text after the object, an
 * unknown status and missing metrics fail the task with a reason.  And the
 * key=value mode: the last value of a name wins.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hsweep/exec.h"

static hs_exec *make(int parse)
{
    static const char *const argv[] = {"/usr/bin/printf", "%s", "{out}"};
    static const char *const pnames[] = {"out"};
    static const hs_type ptypes[] = {HS_T_STRING};
    static const char *const metrics[] = {"a", "b"};
    static const char *const traces[] = {"tr"};
    static const size_t tlens[] = {4};
    hs_exec_def d = {.sweep = "s",
                     .sweep_dir = "/tmp",
                     .argv = argv,
                     .argc = 3,
                     .parse = parse,
                     .param_names = pnames,
                     .param_types = ptypes,
                     .n_params = 1,
                     .metric_names = metrics,
                     .n_metrics = 2,
                     .trace_names = traces,
                     .trace_lens = tlens,
                     .n_traces = 1};
    hs_exec *x = NULL;
    hs_err e;
    if (hs_exec_create(&d, &x, &e) != 0)
        fprintf(stderr, "hs_exec_create: %s\n", e.msg);
    return x;
}

static hs_out out;

/* Run the task whose command prints `text`; the outputs are in `out`. */
static void answer(hs_exec *x, const char *text)
{
    const hs_kernel *k = hs_exec_kernel(x);
    hs_value v[1] = {{.s = text}};
    hs_params p = {k, v};
    hs_ctx ctx = {.seed = 1, .gang_size = 1, .sweep_seed = 1};
    hs_err e;
    hs_out_free(&out);
    REQUIRE(hs_out_init(&out, k, &p, &e) == 0);
    hs_task_run(k, &p, &ctx, &out);
}

/* The task whose command prints text fails, saying why. */
static void fails(hs_exec *x, const char *text, const char *why)
{
    answer(x, text);
    CHECK_EQ_INT(out.status, HS_ST_FAILED);
    CHECK_CONTAINS(out.detail, why);
}

static double m(const char *name) { return out.metrics[hs_kernel_metric_index(out.k, name)]; }

static void test_json(void)
{
    hs_exec *x = make(HS_EXEC_JSON);
    REQUIRE(x != NULL);
    /* the last JSON line, after text and an earlier object */
    answer(
        x,
        "starting\n{\"a\": 1}\nepoch 3 {loss}\n{\"a\": 2.5, \"b\": -3e2, \"tr\": [1, 2.5, -4]}\ndone\n");
    CHECK_EQ_INT(out.status, HS_ST_OK);
    CHECK(m("a") == 2.5 && m("b") == -300.0);
    CHECK_EQ_INT(out.trace_len[0], 3);
    CHECK(out.trace[0] && out.trace[0][0] == 1.0 && out.trace[0][1] == 2.5 &&
          out.trace[0][2] == -4.0);
    /* two answers: the second wins, even without a final newline */
    answer(x, "{\"a\": 1, \"b\": 2}\n{\"b\": 4, \"a\": 3}");
    CHECK_EQ_INT(out.status, HS_ST_OK);
    CHECK(m("a") == 3.0 && m("b") == 4.0);
    /* unknown keys are skipped, nested values included */
    answer(x, "{\"a\": 1, \"extra\": {\"x\": [1, {\"y\": \"}\"}]}, \"b\": 2}\n");
    CHECK(out.status == HS_ST_OK && m("a") == 1.0 && m("b") == 2.0);
    /* the command's own status and a detail with \u escapes: one, two, three
     * bytes and a surrogate pair (U+1F600) */
    answer(x,
           "{\"status\": \"diverged\", \"detail\": \"A\\u00e9\\u20ac\\ud83d\\ude00 \\\"q\\\"\"}\n");
    CHECK_EQ_INT(out.status, HS_ST_DIVERGED);
    CHECK_EQ_STR(out.detail, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \"q\"");
    /* refused: a lone surrogate, an unknown status */
    fails(x, "{\"a\": 1, \"b\": 2, \"detail\": \"\\udc00\"}\n",
          "malformed JSON on the last line starting with '{'");
    CHECK_CONTAINS(out.detail, "surrogate");
    fails(x, "{\"status\": \"great\"}\n",
          "\"status\": \"great\" is not ok, nonfinite, diverged or failed");
    /* garbage only */
    fails(x, "no json here\nat all\n", "stdout has no line with a JSON object");
    /* malformed: a trailing comma, text after the object, a string for a metric */
    fails(x, "{\"a\": 1, \"b\": 2,}\n", "malformed JSON");
    CHECK(isnan(m("a")) && isnan(m("b")));
    fails(x, "{\"a\": 1, \"b\": 2} trailing\n", "text after the object");
    fails(x, "{\"a\": \"1\", \"b\": 2}\n", "metric 'a' is not a number in the JSON line");
    /* a declared metric missing: failed, naming it; what was read is kept */
    fails(x, "{\"a\": 7}\n", "no value for declared metric b");
    CHECK(m("a") == 7.0);
    /* none of the declared names */
    fails(x, "{\"c\": 1}\n", "none of the declared metrics and traces");
    hs_exec_destroy(&x);
}

static void test_kv(void)
{
    hs_exec *x = make(HS_EXEC_KV);
    REQUIRE(x != NULL);
    answer(x, "a=1\nnoise\nb = 2\ntr=1,2,3\na=5\n");
    CHECK_EQ_INT(out.status, HS_ST_OK);
    CHECK(m("a") == 5.0 && m("b") == 2.0);
    CHECK_EQ_INT(out.trace_len[0], 3);
    CHECK(out.trace[0] && out.trace[0][2] == 3.0);
    fails(x, "a=1\n", "no value for declared metric b");
    fails(x, "nothing\n", "stdout has no line name=value for a declared metric or trace");
    hs_exec_destroy(&x);
}

int main(void)
{
    test_json();
    test_kv();
    hs_out_free(&out);
    return CHECK_DONE();
}
