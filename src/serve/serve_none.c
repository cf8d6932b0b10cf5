/* senet serve without libmicrohttpd: every call says how to get it. */
#include "serve/serve.h"

#include <stdio.h>

int serve_start(const serve_options *options, server **out)
{
    (void)options;
    *out = NULL;
    fprintf(stderr, "senet serve: this senet was built without libmicrohttpd; install libmicrohttpd-dev "
                    "(scripts/deps.sh) and rebuild\n");
    return -1;
}

int serve_port(const server *s)
{
    (void)s;
    return 0;
}

int serve_set_model(server *s, const serve_model *model)
{
    (void)s;
    (void)model;
    return -1;
}

int serve_wait(server *s)
{
    (void)s;
    return 0;
}

void serve_stop(server *s)
{
    (void)s;
}
