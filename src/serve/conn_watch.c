/* The connection deadlines: a list under one mutex, scanned four times a second. */
#include "conn_watch.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct conn_record {
    int fd;
    double since;      /* when its clock started, seconds (monotonic) */
    int busy;          /* 1: a request is being answered */
    int dropped;
    conn_record *prev, *next;
};

struct conn_watch {
    int timeout_s, limit;
    int open;          /* connections now */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    conn_record *head;
    int stopping;
    long dropped;
    pthread_t thread;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *watch_main(void *arg)
{
    conn_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->wake, &w->mu, &until);
        double now = now_s();
        for (conn_record *c = w->head; c; c = c->next)
            if (!c->busy && !c->dropped && now - c->since > w->timeout_s) {
                /* shutdown, not close: the socket stays libmicrohttpd's to close */
                shutdown(c->fd, SHUT_RDWR);
                c->dropped = 1;
                w->dropped++;
            }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

conn_watch *conn_watch_create(int timeout_s, int limit)
{
    conn_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->timeout_s = timeout_s;
    w->limit = limit;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w)) {
        free(w);
        return NULL;
    }
    return w;
}

void conn_watch_free(conn_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    while (w->head) {
        conn_record *c = w->head;
        w->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

conn_record *conn_watch_open(conn_watch *w, int fd)
{
    conn_record *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->since = now_s();
    pthread_mutex_lock(&w->mu);
    c->next = w->head;
    if (w->head)
        w->head->prev = c;
    w->head = c;
    if (++w->open > w->limit) {
        shutdown(fd, SHUT_RDWR);
        c->dropped = 1;
        w->dropped++;
    }
    pthread_mutex_unlock(&w->mu);
    return c;
}

void conn_watch_close(conn_watch *w, conn_record *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->open--;
    pthread_mutex_unlock(&w->mu);
    free(c);
}

void conn_watch_received(conn_watch *w, conn_record *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->mu);
    c->busy = 1;
    pthread_mutex_unlock(&w->mu);
}

void conn_watch_answered(conn_watch *w, conn_record *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->mu);
    c->busy = 0;
    c->since = now_s();
    pthread_mutex_unlock(&w->mu);
}

long conn_watch_dropped(conn_watch *w)
{
    pthread_mutex_lock(&w->mu);
    long n = w->dropped;
    pthread_mutex_unlock(&w->mu);
    return n;
}
