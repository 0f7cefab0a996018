/* Aggregations of collate against values computed by hand; option errors. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "hsweep/collate.h"

static void test_aggregate(void)
{
    /* 1..5 shuffled: mean 3, median 3, min 1, max 5, sample std sqrt(10/4) */
    double v[5] = {4, 1, 5, 3, 2};
    CHECK_EQ_INT((int)hs_aggregate("count", v, 5), 5);
    CHECK(hs_aggregate("mean", v, 5) == 3.0);
    CHECK(hs_aggregate("min", v, 5) == 1.0);
    CHECK(hs_aggregate("max", v, 5) == 5.0);
    /* sum of squared deviations 4+1+0+1+4 = 10 over n - 1 = 4; sqrt is correctly rounded */
    CHECK(hs_aggregate("std", v, 5) == sqrt(2.5));
    CHECK(hs_aggregate("median", v, 5) == 3.0);
    CHECK(hs_aggregate("sum", v, 5) == 15.0);
    /* even count: mean of the middle two */
    double w[4] = {10, -2, 7, 1};
    CHECK(hs_aggregate("median", w, 4) == 4.0);
    /* no values: NaN, count 0; one value: std undefined */
    CHECK(isnan(hs_aggregate("mean", w, 0)));
    CHECK(isnan(hs_aggregate("sum", w, 0))); /* no value is not a sum of 0 */
    CHECK_EQ_INT((int)hs_aggregate("count", w, 0), 0);
    double one[1] = {2.5};
    CHECK(isnan(hs_aggregate("std", one, 1)));
    CHECK(hs_aggregate("median", one, 1) == 2.5);
}

static void test_option_errors(void)
{
    hs_err e;
    const char *files[] = {"/nonexistent/results.h5"};
    const char *metric[] = {"xk"};
    hs_collate_opts o = {
        .files = files, .n_files = 1, .metrics = metric, .n_metrics = 1, .agg = "mode"};
    FILE *out = tmpfile();
    REQUIRE(out != NULL);
    CHECK_EQ_INT(hs_collate(&o, out, NULL, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "--agg mode");
    o.agg = "meanstd";
    o.format = "xml";
    CHECK_EQ_INT(hs_collate(&o, out, NULL, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "--format xml");
    CHECK_CONTAINS(e.msg, "long-csv");
    o.format = "long-tsv";
    o.contrast = "x=8";
    CHECK_EQ_INT(hs_collate(&o, out, NULL, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "expected AXIS=A-B (difference) or AXIS=A/B (ratio)");
    o.contrast = "x=8-2";
    o.agg = "mean±std";
    CHECK_EQ_INT(hs_collate(&o, out, NULL, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "not mean±std");
    o.agg = "sum";
    const char *status[] = {"xk,status"};
    o.metrics = status;
    CHECK_EQ_INT(hs_collate(&o, out, NULL, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "'status' gives counts");
    o.metrics = metric;
    o.contrast = NULL;
    o.format = "tsv";
    CHECK_EQ_INT(hs_collate(&o, out, NULL, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "cannot open");
    o.n_files = 0;
    CHECK_EQ_INT(hs_collate(&o, out, NULL, &e), HS_EINPUT);
    hs_report_opts r = {.files = files, .n_files = 1, .format = "html"};
    CHECK_EQ_INT(hs_report(&r, out, NULL, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "--format html");
    fclose(out);
}

int main(void)
{
    test_aggregate();
    test_option_errors();
    return CHECK_DONE();
}
