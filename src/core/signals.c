/* Stop requests by signal (include/hsweep/signals.h). */
#include "hsweep/signals.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

/* The messages are made by hs_signals_grace; the handlers only write them. */
static volatile sig_atomic_t inproc_running = 0;
static char inproc_note[320], inproc_exit[320];
static unsigned inproc_grace_s = 60;

static void on_signal(int sig)
{
    (void)sig;
    if (!stop_requested && inproc_running) {
        ssize_t w = write(2, inproc_note, strlen(inproc_note));
        (void)w;
        alarm(inproc_grace_s);
    }
    stop_requested = 1;
}

static void on_alarm(int sig)
{
    if (!inproc_running) { /* someone else's alarm (a forked check's time limit): as by default */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    ssize_t w = write(2, inproc_exit, strlen(inproc_exit));
    (void)w;
    _exit(3);
}

void hs_signals_grace(double grace_s)
{
    inproc_grace_s = (unsigned)ceil(grace_s > 0 ? grace_s : 60.0);
    snprintf(
        inproc_note, sizeof inproc_note,
        "\nhsweep: stop requested while a task runs inside this process (--isolation none or a "
        "gang task), which a signal cannot interrupt: waiting up to the grace period (%u s)\n",
        inproc_grace_s);
    snprintf(inproc_exit, sizeof inproc_exit,
             "hsweep: the task running inside this process did not return within the grace period "
             "(%u s): exiting (code 3) with it left pending; resume with hsweep run --resume\n",
             inproc_grace_s);
}

int hs_signals_install(hs_err *e)
{
    static const struct {
        int sig;
        const char *name;
    } stops[] = {{SIGINT, "SIGINT"}, {SIGTERM, "SIGTERM"}, {SIGUSR1, "SIGUSR1"}};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++)
        if (sigaction(stops[i].sig, &sa, NULL) != 0)
            return HS_FAIL(e, HS_EIO, "sigaction(%s) failed: %s", stops[i].name, strerror(errno));
    sa.sa_handler = on_alarm;
    if (sigaction(SIGALRM, &sa, NULL) != 0)
        return HS_FAIL(e, HS_EIO, "sigaction(SIGALRM) failed: %s", strerror(errno));
    return 0;
}

int hs_signals_stop_requested(void) { return stop_requested != 0; }

void hs_signals_inproc(int running)
{
    inproc_running = running;
    if (!running)
        alarm(0);
}
