/* A deadline for whole requests, against slowloris. libmicrohttpd's
 * connection timeout is an idle timeout: a client that sends one byte
 * every few seconds never trips it. Here every connection must deliver
 * each request (headers and body) within timeout_s of its opening or of
 * its previous answer; a watcher thread shuts down the socket of one that
 * has not, and libmicrohttpd then closes it. While a request is being
 * answered (queued for the net) its connection is not watched.
 *
 * It also refuses connections over the limit. libmicrohttpd at its own
 * limit stops accepting and leaves the rest in the kernel's backlog, where
 * they wait unanswered; here a connection over `limit` is shut down as
 * soon as it is accepted, so the client learns at once. libmicrohttpd's
 * limit is set higher, as the last resort. */
#ifndef SENET_SERVE_CONN_WATCH_H
#define SENET_SERVE_CONN_WATCH_H

typedef struct conn_watch conn_watch;
typedef struct conn_record conn_record;

conn_watch *conn_watch_create(int timeout_s, int limit);
/* Stops the watcher thread; records still open are freed. */
void conn_watch_free(conn_watch *w);
/* A new connection on socket fd (from libmicrohttpd's notify-connection callback). */
conn_record *conn_watch_open(conn_watch *w, int fd);
/* Its closing: called before libmicrohttpd closes the socket, so the watcher never touches a reused fd. */
void conn_watch_close(conn_watch *w, conn_record *c);
/* A request fully received (stop the clock) or answered (start it again). */
void conn_watch_received(conn_watch *w, conn_record *c);
void conn_watch_answered(conn_watch *w, conn_record *c);
/* Connections dropped for their deadline or refused over the limit so far. */
long conn_watch_dropped(conn_watch *w);

#endif
