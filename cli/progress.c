/* The progress bar and its plain-text fallback. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

void progress_init(progress *p, int64_t every)
{
    p->tty = isatty(fileno(stderr));
    p->every = every > 0 ? every : 50;
    p->started = now_seconds();
    p->images = 0;
}

static void format_duration(double s, char *buf, size_t size)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
}

void progress_step(progress *p, int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, int64_t step,
                   double loss, double lr, int images)
{
    p->images += images;
    double elapsed = now_seconds() - p->started;
    double rate = elapsed > 0 ? p->images / elapsed : 0;
    int64_t left_batches = (epochs - epoch - 1) * batches + (batches - batch - 1);
    double per_batch = p->images && rate > 0 ? (double)images / rate : 0;
    char eta[32];
    format_duration(left_batches * per_batch, eta, sizeof eta);
    if (p->tty) {
        int width = 24, filled = batches ? (int)(width * (batch + 1) / batches) : width;
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < filled ? '=' : i == filled ? '>' : ' ';
        bar[width] = '\0';
        fprintf(stderr, "\repoch %lld/%lld [%s] %lld/%lld  loss %.4f  lr %.5f  %.0f img/s  ETA %s   ",
                (long long)epoch + 1, (long long)epochs, bar, (long long)batch + 1, (long long)batches, loss, lr, rate,
                eta);
        fflush(stderr);
    } else if ((step + 1) % p->every == 0 || batch + 1 == batches) {
        fprintf(stderr, "epoch %lld/%lld  step %lld  batch %lld/%lld  loss %.4f  lr %.5f  %.0f img/s  ETA %s\n",
                (long long)epoch + 1, (long long)epochs, (long long)step + 1, (long long)batch + 1,
                (long long)batches, loss, lr, rate, eta);
    }
}

void progress_break(progress *p)
{
    if (p->tty)
        fprintf(stderr, "\n");
}
