/* hsweep/submit.h: Slurm time strings, shell quoting, template rendering, estimates. */
#include "check.h"
#include "hsweep/submit.h"

static long t(const char *s)
{
    long v = -1;
    hs_err e;
    return hs_slurm_time_parse(s, &v, &e) == 0 ? v : -1;
}

static void test_time(void)
{
    /* The formats of sbatch(1) --time. */
    CHECK_EQ_INT(t("5"), 300);
    CHECK_EQ_INT(t("5:30"), 330);
    CHECK_EQ_INT(t("1:02:03"), 3723);
    CHECK_EQ_INT(t("2-3"), 2 * 86400 + 3 * 3600);
    CHECK_EQ_INT(t("2-3:04"), 2 * 86400 + 3 * 3600 + 240);
    CHECK_EQ_INT(t("1-00:00:01"), 86401);
    const char *bad[] = {"",    "0",  "-1",        "1:2:3:4", "1h",   " 5",         "5 ",
                         "a-1", "1-", "1-2:3:4:5", ":5",      "1::2", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(t(bad[i]), -1);
    hs_err e;
    long v;
    CHECK(hs_slurm_time_parse("soon", &v, &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "D-H:M:S");
    char buf[32];
    hs_slurm_time_format(3723, buf, sizeof buf);
    CHECK_EQ_STR(buf, "01:02:03");
    hs_slurm_time_format(86401, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1-00:00:01");
    CHECK_EQ_INT(t("1-00:00:01"), 86401);
}

static void test_quote(void)
{
    char *b = NULL;
    size_t len = 0, cap = 0;
    CHECK(hs_shell_quote("it's $(x) `y` \"z\"\n", &b, &len, &cap) == 0);
    CHECK_EQ_STR(b, "'it'\\''s $(x) `y` \"z\"\n'");
    len = 0;
    CHECK(hs_shell_quote("", &b, &len, &cap) == 0);
    CHECK_EQ_STR(b, "''");
    free(b);
}

static const char tmpl[] = "#!/bin/bash\n"
                           "#SBATCH --job-name=hsweep\n"
                           "#SBATCH --time=01:00:00\n"
                           "#SBATCH --requeue\n"
                           "\n"
                           "# >>> hsweep settings\n"
                           "HS_SWEEP=${HS_SWEEP:?}\n"
                           "HS_KEEP=1\n"
                           "# <<< hsweep settings\n"
                           "HS_SWEEP=untouched\n";

static void test_render(void)
{
    hs_kv sb[] = {{"time", "00:05:00"}, {"partition", "a \"b\" #c\\"}, {"job-name", "j"}};
    hs_kv st[] = {{"HS_SWEEP", "x'; rm -rf ~"}};
    char *out = NULL;
    hs_err e;
    REQUIRE(hs_submit_render(tmpl, "t", sb, 3, st, 1, &out, &e) == 0);
    CHECK_EQ_STR(out, "#!/bin/bash\n"
                      "#SBATCH --job-name=\"j\"\n"
                      "#SBATCH --time=\"00:05:00\"\n"
                      "#SBATCH --requeue\n"
                      "#SBATCH --partition=\"a \\\"b\\\" #c\\\\\"\n"
                      "\n"
                      "# >>> hsweep settings\n"
                      "HS_SWEEP='x'\\''; rm -rf ~'\n"
                      "HS_KEEP=1\n"
                      "# <<< hsweep settings\n"
                      "HS_SWEEP=untouched\n");
    free(out);
    hs_kv missing[] = {{"HS_LAUNCHER", "srun"}};
    CHECK(hs_submit_render(tmpl, "t", NULL, 0, missing, 1, &out, &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "does not set HS_LAUNCHER");
    hs_kv nl[] = {{"output", "a\nb"}};
    CHECK(hs_submit_render(tmpl, "t", nl, 1, NULL, 0, &out, &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "newline");
    CHECK(hs_submit_render("#SBATCH --time=1\necho\n", "t", NULL, 0, NULL, 0, &out, &e) ==
          HS_EINPUT);
    CHECK_CONTAINS(e.msg, "no '# >>> hsweep settings'");
}

static void test_estimate(void)
{
    hs_estimate est = {.core_s = 100, .max_task_s = 10, .n_tasks = 20};
    /* One rank works alone; otherwise rank 0 coordinates and the rest work. */
    CHECK_NEAR(hs_estimate_wall_s(&est, 1, 1), 100, 0);
    CHECK_NEAR(hs_estimate_wall_s(&est, 1, 2), 100, 0);
    CHECK_NEAR(hs_estimate_wall_s(&est, 1, 5), 25, 0);
    /* Never shorter than the longest task. */
    CHECK_NEAR(hs_estimate_wall_s(&est, 4, 16), 10, 0);
}

int main(void)
{
    test_time();
    test_quote();
    test_render();
    test_estimate();
    return CHECK_DONE();
}
