/* The thread count every op uses (OpenMP underneath). */
#ifndef SENET_BASE_THREADS_H
#define SENET_BASE_THREADS_H

/* The count of the call running on this thread: its net's own
 * (threads_scope_begin) when it has one, else the process-wide one. */
int threads_get(void);
void threads_set(int threads);

/* A net's call runs with `threads` (0: the process-wide count) until
 * threads_scope_end(the value returned), on this thread only. */
int threads_scope_begin(int threads);
void threads_scope_end(int before);

/* This thread's index in the innermost OpenMP team (0 outside one). */
int threads_index(void);

/* The size of that team (1 outside one). */
int threads_team_size(void);

#endif
