/* hsweep/submit.h: checks of submit's site options (sizes, mail types, pass-through options, setup lines). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hsweep/submit.h"

static int size_ok(const char *s)
{
    hs_err e;
    return hs_submit_check_size("--mem", s, &e) == 0;
}

static void test_size(void)
{
    /* sbatch(1) --mem: whole megabytes, or K/M/G/T. */
    const char *good[] = {"0", "500", "8G", "8g", "512M", "1T", "100K"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(size_ok(good[i]));
    const char *bad[] = {"", "G", "1.5G", "8GB", "-1", "8 G", " 8", "1234567890123456", "8G\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!size_ok(bad[i]));
}

static void test_mail_type(void)
{
    hs_err e;
    CHECK(hs_submit_check_mail_type("END", &e) == 0);
    CHECK(hs_submit_check_mail_type("begin,end,FAIL,TIME_LIMIT_90", &e) == 0);
    CHECK(hs_submit_check_mail_type("END,", &e) == HS_EINPUT);
    CHECK(hs_submit_check_mail_type("", &e) == HS_EINPUT);
    CHECK(hs_submit_check_mail_type("ENDS", &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "'ENDS' is not one of");
    CHECK(hs_submit_check_mail_type("END,,FAIL", &e) == HS_EINPUT);
}

static void test_sbatch_arg(void)
{
    hs_err e;
    hs_kv kv;
    char a1[] = "--exclusive", a2[] = "--reservation=r=1", a3[] = "--comment=";
    REQUIRE(hs_submit_sbatch_arg(a1, &kv, &e) == 0);
    CHECK_EQ_STR(kv.key, "exclusive");
    CHECK(kv.value == NULL);
    REQUIRE(hs_submit_sbatch_arg(a2, &kv, &e) == 0);
    CHECK_EQ_STR(kv.key, "reservation");
    CHECK_EQ_STR(kv.value, "r=1");
    REQUIRE(hs_submit_sbatch_arg(a3, &kv, &e) == 0);
    CHECK_EQ_STR(kv.value, "");
    const char *bad[] = {"-N2",         "--",           "--=x",      "---x",
                         "--Exclusive", "--com ment=x", "exclusive", "--x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b = strdup(bad[i]);
        CHECK(hs_submit_sbatch_arg(b, &kv, &e) == HS_EINPUT);
        free(b);
    }
    char own[] = "--mem-per-cpu=1G", dep[] = "--dependency=afterok:1";
    CHECK(hs_submit_sbatch_arg(own, &kv, &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "use --mem-per-cpu");
    CHECK(hs_submit_sbatch_arg(dep, &kv, &e) == HS_EINPUT);
    /* A key that only starts like one submit sets is passed through. */
    char near[] = "--mem-bind=local";
    CHECK(hs_submit_sbatch_arg(near, &kv, &e) == 0);
}

static void test_setup(void)
{
    hs_err e;
    char *buf = NULL;
    const char file[] = "module load a\n\n# comment\tand tab\nsource 'x y'\n\n";
    REQUIRE(hs_submit_setup_add(&buf, "export A=\"$B\"", 13, 1, "--setup", &e) == 0);
    REQUIRE(hs_submit_setup_add(&buf, file, sizeof file - 1, 0, "f.sh", &e) == 0);
    /* Lines kept exactly, in order, joined by newlines; the file's trailing newlines dropped. */
    CHECK_EQ_STR(buf, "export A=\"$B\"\nmodule load a\n\n# comment\tand tab\nsource 'x y'");
    CHECK(hs_submit_setup_add(&buf, "a\nb", 3, 1, "--setup", &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "one line per --setup");
    CHECK(hs_submit_setup_add(&buf, "a\nb\r\n", 5, 0, "dos.sh", &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "dos.sh:2: a carriage return");
    CHECK(hs_submit_setup_add(&buf, "a\0b", 3, 0, "bin", &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "bin:1: a NUL byte");
    CHECK(hs_submit_setup_add(&buf, "\033[1m", 4, 1, "--setup", &e) == HS_EINPUT);
    /* Refused text leaves the lines as they were. */
    CHECK_EQ_STR(buf, "export A=\"$B\"\nmodule load a\n\n# comment\tand tab\nsource 'x y'");
    free(buf);
}

static void test_text(void)
{
    hs_err e;
    CHECK(hs_submit_check_text("--x", "a b \"c\" \\ # %", &e) == 0);
    CHECK(hs_submit_check_text("--x", "a\nb", &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "--x: the value holds a control character (byte 0x0a at 1, a newline)");
    CHECK(hs_submit_check_text("--x", "a\tb", &e) == HS_EINPUT);
    CHECK(hs_submit_check_text("--x", "\x7f", &e) == HS_EINPUT);
}

int main(void)
{
    test_size();
    test_mail_type();
    test_sbatch_arg();
    test_setup();
    test_text();
    return CHECK_DONE();
}
