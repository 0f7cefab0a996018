/* How this machine's scheduler treats a process that wakes for a short burst
 * of CPU while K others are busy (bench/scale_sim.py's wake_floor and
 * wake_share): scale_wake K NAPS WORK_S NAP_S forks K processes that spin,
 * then NAPS times sleeps NAP_S and, once awake, spins WORK_S seconds of its
 * own CPU time.  It prints "wake_s K WORK_S SECONDS": the mean time from the
 * end of the requested sleep to the end of the burst, less WORK_S (0 when
 * the burst had a core to itself at once; on C cores shared fairly by K + 1
 * processes, WORK_S x ((K + 1) / C - 1)). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double clock_s(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: scale_wake K NAPS WORK_S NAP_S\n");
        return 2;
    }
    int k = atoi(argv[1]), naps = atoi(argv[2]);
    double work = atof(argv[3]), nap = atof(argv[4]);
    if (k < 0 || naps < 1 || !(work > 0) || !(nap > 0)) {
        fprintf(stderr, "scale_wake: K >= 0, NAPS >= 1, WORK_S > 0, NAP_S > 0\n");
        return 2;
    }
    pid_t *spin = calloc((size_t)k + 1, sizeof *spin);
    if (!spin)
        return 1;
    for (int i = 0; i < k; i++) {
        spin[i] = fork();
        if (spin[i] < 0) {
            perror("scale_wake: fork");
            for (int j = 0; j < i; j++)
                kill(spin[j], SIGKILL);
            return 1;
        }
        if (spin[i] == 0) {
            volatile unsigned long x = 0;
            for (;;)
                x++;
        }
    }
    struct timespec settle = {0, 200000000L};
    nanosleep(&settle, NULL); /* the spinners have all run once */
    struct timespec ts = {(time_t)nap, (long)((nap - (double)(time_t)nap) * 1e9)};
    double late = 0;
    for (int n = 0; n < naps; n++) {
        double due = clock_s(CLOCK_MONOTONIC) + nap;
        nanosleep(&ts, NULL);
        double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        while (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0 < work)
            ;
        late += clock_s(CLOCK_MONOTONIC) - due - work;
    }
    for (int i = 0; i < k; i++)
        kill(spin[i], SIGKILL);
    while (wait(NULL) > 0)
        ;
    free(spin);
    printf("wake_s %d %.9g %.9g\n", k, work, late / naps);
    return 0;
}
