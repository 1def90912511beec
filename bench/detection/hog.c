/* Background load for record.py --load: `hog cpu DUTY` spins on one core, `hog mem MIB DUTY`
 * streams reads and writes through a MIB buffer (much larger than the last-level cache, so
 * every pass goes to memory). DUTY (1-100) is the share of each 10 ms period spent working;
 * the rest is slept. record.py turns the hogs on and off in phases with SIGSTOP/SIGCONT. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: hog cpu DUTY | hog mem MIB DUTY\n");
        return 2;
    }
    int mem = strcmp(argv[1], "mem") == 0;
    size_t mib = mem ? (size_t)atol(argv[2]) : 0;
    double duty = atof(argv[mem ? 3 : 2]) / 100.0;
    size_t words = (mib << 20) / sizeof(uint64_t);
    volatile uint64_t *buf = NULL;
    if (mem) {
        buf = malloc(words * sizeof(uint64_t));
        if (!buf) return 1;
        for (size_t i = 0; i < words; i++) buf[i] = i;
    }
    const double period = 0.010;
    volatile uint64_t x = 1;
    size_t pos = 0;
    for (;;) {
        double start = now(), stop = start + duty * period;
        while (now() < stop) {
            if (mem) {
                /* one cache line in eight words: a streaming read-modify-write */
                for (int k = 0; k < 4096; k++) {
                    buf[pos] += 1;
                    pos += 8;
                    if (pos >= words) pos = 0;
                }
            } else {
                for (int k = 0; k < 100000; k++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            }
        }
        double rest = start + period - now();
        if (rest > 0 && duty < 1.0) {
            struct timespec t = {0, (long)(rest * 1e9)};
            nanosleep(&t, NULL);
        }
    }
}
