/* senet serve: an HTTP inference service (src/serve/). This file parses
 * the options, finds and loads the model and its class names, and hands
 * them to the server; the port is bound before the model is read, so that
 * a port in use fails at once and /v2/health/ready says 503 while loading.
 * Without libmicrohttpd (src/serve/serve.cmake defines SENET_HAVE_SERVE
 * when it finds it) the command only says how to get it. */
#define _GNU_SOURCE
#include "args.h"
#include "class_names.h"
#include "commands.h"
#include "default_model.h"

#include <stdio.h>

#ifndef SENET_HAVE_SERVE
int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "senet serve: this senet was built without libmicrohttpd; install libmicrohttpd-dev "
                    "(scripts/deps.sh) and rebuild\n");
    return 2;
}
#else
#include "serve/serve.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "[--arch A --weights W] [--host 127.0.0.1] [--port 8080] [--threads T] [--max-batch 32] [--max-delay-ms 5] "
    "[--max-body-mb 16] [--max-pixels N] [--precision fp32] [--labels FILE] [--name NAME] [--log-json]";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* The model's default name: the weights file's, without folder and extension. */
static void name_from_weights(const char *weights, char *out, size_t size)
{
    const char *base = strrchr(weights, '/');
    base = base ? base + 1 : weights;
    snprintf(out, size, "%s", base);
    char *dot = strstr(out, ".safetensors");
    if (dot && dot != out)
        *dot = '\0';
}

/* Names usable in a URL path segment, unescaped. */
static int valid_name(const char *name)
{
    if (!*name || strlen(name) > 100)
        return 0;
    for (const char *p = name; *p; p++)
        if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') || strchr("-_.", *p)))
            return 0;
    return 1;
}

int cmd_serve(int argc, char **argv)
{
    net_options net = {0};
    const char *weights = NULL, *labels = NULL, *normalize = NULL, *host = "127.0.0.1", *precision = "fp32";
    const char *name = NULL;
    long port = 8080, threads = 0, http_threads = 4, max_batch = 32, max_delay = 5, max_body_mb = 16;
    long max_pixels = 40000000, max_queue = 0, max_connections = 256, timeout = 10;
    input_size size = {0, 0};
    int log_json = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights (.safetensors); default: " DEFAULT_MODEL_FILE " (" DEFAULT_MODEL_ARCH ")", "W"},
        {"host", OPT_STRING, &host, "address to listen on (127.0.0.1; 0.0.0.0 or :: for every interface)", "ADDR"},
        {"port", OPT_INT, &port, "TCP port (8080; 0: any free one, printed)", "P", OPT_RANGE(0, 65535)},
        {"threads", OPT_INT, &threads, "threads of the net (default: all cores)", "T", OPT_THREADS},
        {"http-threads", OPT_INT, &http_threads, "HTTP threads, each with its own epoll; they decode the images (4)", "H",
         OPT_RANGE(1, 256)},
        {"max-batch", OPT_INT, &max_batch, "images run together at most (32)", "B", OPT_RANGE(1, 4096)},
        {"max-delay-ms", OPT_INT, &max_delay, "how long a queued image waits for others to fill a batch (5; 0: never)", "MS",
         OPT_RANGE(0, 10000)},
        {"max-body-mb", OPT_INT, &max_body_mb, "request bodies larger than this are refused with 413 (16)", "MB",
         OPT_RANGE(1, 4096)},
        {"max-pixels", OPT_INT, &max_pixels, "images (and tensors' N*H*W) larger than this are refused with 413 (40000000)", "N",
         OPT_RANGE(1, 1000000000)},
        {"max-queue", OPT_INT, &max_queue, "images waiting at most; beyond, 503 with Retry-After (default: 8 batches)", "N",
         OPT_RANGE(1, 1000000), .note = "and at least --max-batch"},
        {"max-connections", OPT_INT, &max_connections, "open connections at most; more are refused (256)", "N",
         OPT_RANGE(4, 100000)},
        {"timeout", OPT_INT, &timeout, "seconds a connection may be idle or take to send a request (10)", "S",
         OPT_RANGE(1, 3600)},
        {"precision", OPT_STRING, &precision, "fp32 (the only one built so far)", "P"},
        {"labels", OPT_STRING, &labels, "class names, one per line (default: by the number of classes)", "FILE"},
        {"name", OPT_STRING, &name, "the model's name in /v2/models/NAME (default: the weights file's name)", "NAME"},
        {"normalize", OPT_STRING, &normalize, "imagenet | caffe | cifar | mnist | unit (default: by the net)", "N",
         OPT_NORMALIZE_CHOICES},
        {"input-size", OPT_SIZE, &size, "input side, S (default: the net's, 224 ImageNet, 32 CIFAR)", "S"},
        {"log-json", OPT_FLAG, &log_json, "log each request as a JSON line on stderr", NULL},
    };
    int rc = parse_options("serve", usage_text, specs, sizeof specs / sizeof *specs, argc, argv, 2);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (strcmp(precision, "fp32") != 0) {
        if (strcmp(precision, "fp16") == 0 || strcmp(precision, "bf16") == 0 || strcmp(precision, "int8") == 0)
            fprintf(stderr, "senet serve: --precision %s is not built yet; fp32 is the only one so far\n", precision);
        else
            fprintf(stderr, "senet serve: --precision %s is unknown (fp32; fp16, bf16 and int8 are not built yet)\n",
                    precision);
        return 2;
    }
    if (max_queue == 0)
        max_queue = 8 * max_batch;
    if (max_queue < max_batch) {
        fprintf(stderr, "senet serve: --max-queue %ld is below --max-batch %ld\n", max_queue, max_batch);
        return 2;
    }
    int side;
    if (input_size_side("serve", &size, &side))
        return 2;
    char default_path[4096];
    if (!weights) {
        if (default_model_path(default_path, sizeof default_path)) {
            fprintf(stderr, "senet serve: no --weights given and no default model is available (%s was not found in "
                            DEFAULT_MODEL_PLACES "); pass --arch and --weights\n", DEFAULT_MODEL_NAME);
            return 2;
        }
        weights = default_path;
        if (!net.arch)
            net.arch = DEFAULT_MODEL_ARCH;
    }
    char model_name[4096];
    if (name)
        snprintf(model_name, sizeof model_name, "%s", name);
    else
        name_from_weights(weights, model_name, sizeof model_name);
    if (!valid_name(model_name)) {
        fprintf(stderr, "senet serve: model name '%s' must be 1-100 letters, digits, '-', '_' or '.' (--name)\n",
                model_name);
        return 2;
    }
    senet_config cfg;
    if (net_config_from_options(&net, &cfg) || apply_threads("serve", threads))
        return 2;
    if (!side)
        side = senet_arch_input_size(cfg.arch);
    senet_transform *transform = NULL;
    int made = senet_transform_for_arch(cfg.arch, side, normalize, &transform);
    if (made) {
        cli_error("serve", "", made);
        return 2;
    }
    class_names names = {0};
    if ((rc = class_names_for("serve", labels, cfg.num_classes, &names))) {
        senet_transform_free(transform);
        return rc;
    }
    /* Blocked here, in every thread the server starts, and taken by serve_wait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is an error on that socket, not our death */

    serve_options o = {host, (int)port, (int)http_threads, (int)max_batch, (int)max_delay,
                       (size_t)max_body_mb << 20, max_pixels, (int)max_queue, (int)max_connections, (int)timeout,
                       log_json, model_name};
    server *srv = NULL;
    if (serve_start(&o, &srv)) {
        senet_transform_free(transform);
        class_names_free(&names);
        return 1;
    }
    const char *bracket = strchr(host, ':') ? "[" : "", *close = strchr(host, ':') ? "]" : "";
    fprintf(stderr, "senet serve: listening on http://%s%s%s:%d/ (loading %s)\n", bracket, host, close,
            serve_port(srv), weights);
    double t0 = now_s();
    senet_net *model = open_frozen_net("serve", &cfg, weights);
    if (!model) {
        serve_stop(srv);
        senet_transform_free(transform);
        class_names_free(&names);
        return 1;
    }
    const char **label_list = malloc((size_t)cfg.num_classes * sizeof *label_list);
    char buf[32];
    for (int i = 0; label_list && i < cfg.num_classes; i++)
        label_list[i] = strdup(class_name(&names, i, buf, sizeof buf));
    serve_model m = {model, transform, side, label_list, weights, now_s() - t0};
    int failed = !label_list || serve_set_model(srv, &m);
    for (int i = 0; label_list && i < cfg.num_classes; i++)
        free((char *)label_list[i]);
    free(label_list);
    class_names_free(&names);
    if (failed) {
        serve_stop(srv);
        return 1;
    }
    fprintf(stderr, "senet serve: %s (%s, %d classes) ready in %.2f s on http://%s%s%s:%d/ "
                    "(max batch %ld, max delay %ld ms, %ld HTTP threads, %d net threads)\n",
            model_name, cfg.arch, cfg.num_classes, m.load_seconds, bracket, host, close, serve_port(srv), max_batch,
            max_delay, http_threads, senet_get_threads());
    rc = serve_wait(srv);
    serve_stop(srv);
    return rc;
}
#endif
