/* The thread count every op uses (OpenMP underneath). */
#ifndef SENET_BASE_THREADS_H
#define SENET_BASE_THREADS_H

int threads_get(void);
void threads_set(int threads);

/* This thread's index in the innermost OpenMP team (0 outside one). */
int threads_index(void);

/* The size of that team (1 outside one). */
int threads_team_size(void);

#endif
