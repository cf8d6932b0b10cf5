/* Random sequences of public calls on one net against a model of it
 * (issue 17): a few hundred calls, drawn from a fixed seed, each one's
 * status checked against what the model says the net's state allows, and
 * the logits of every forward against those of the weights the model says
 * the net holds. The model is small: which weights the net holds (an init
 * seed, a file, a file this run saved, or "trained", whose logits the next
 * forward learns), whether it is frozen, whether the last call left
 * training logits. Failed calls (bad files, bad shapes, refused calls on a
 * frozen net) must change none of it, which a forward after each checks. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "check.h"
#include "senet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N = 2, SIZE = 32, K = 10, SEQUENCES = 4, STEPS = 64 };

/* Weights the net can hold; each with the logits of x under it once known. */
enum { W_INIT1, W_INIT2, W_FILE_A, W_FILE_B, W_SAVED0, W_SAVED1, W_CKPT, W_TRAINED, W_COUNT };
typedef struct weights {
    int known;
    float logits[N * K];
} weights;

typedef struct model {
    int current;         /* W_* */
    int frozen;
    int exists[W_COUNT]; /* the saved files and the checkpoint, once written */
    int train_logits;    /* senet_net_last_logits gives the last step's */
    float last[N * K];   /* ... which are these */
    weights w[W_COUNT];
} model;

static float x[N * 3 * SIZE * SIZE];
static int64_t labels[N] = {2, 9};
static char dir[] = "/tmp/senet_sequence_XXXXXX";
static char path_a[80], path_b[80], path_saved[2][80], path_ckpt[80], path_bad[4][80];
static int bad_status[4] = {SENET_ERR_SHAPE, SENET_ERR_FORMAT, SENET_ERR_IO, SENET_ERR_FORMAT};

static uint64_t rng_state;
static unsigned draw(unsigned n)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* Float results differ by rounding between thread counts; weights differ far more. */
static int close_to(const float *a, const float *b, int count)
{
    for (int i = 0; i < count; i++)
        if (!(fabsf(a[i] - b[i]) <= 1e-4f + 1e-4f * fabsf(b[i])))
            return 0;
    return 1;
}

static char what[256];
#define CHECK(cond, ...) (snprintf(what, sizeof what, __VA_ARGS__), check((cond), what))

/* A forward of n images, against the logits of the weights the model holds. */
static void forward_and_compare(senet_net *net, model *m, int n, int seq, int step, const char *after)
{
    float got[N * K];
    int status = senet_net_forward(net, x, n, SIZE, SIZE, got);
    CHECK(status == SENET_OK, "seq %d step %d: forward after %s", seq, step, after);
    weights *w = &m->w[m->current];
    if (status != SENET_OK)
        return;
    if (w->known)
        CHECK(close_to(got, w->logits, n * K), "seq %d step %d: logits after %s are those of weights %d", seq, step,
              after, m->current);
    else if (n == N) {
        memcpy(w->logits, got, sizeof got);
        w->known = 1;
    }
    m->train_logits = 0;
}

/* The last step's logits are still there, unchanged, when the model says so. */
static void check_last_logits(senet_net *net, const model *m, int seq, int step, const char *after)
{
    int n = 0;
    const float *last = senet_net_last_logits(net, &n);
    if (m->train_logits)
        CHECK(last && n == N && memcmp(last, m->last, sizeof m->last) == 0, "seq %d step %d: training logits kept after %s",
              seq, step, after);
    else
        CHECK(last == NULL, "seq %d step %d: no training logits after %s", seq, step, after);
}

static void becomes(model *m, int w, int frozen)
{
    m->current = w;
    m->frozen = frozen;
    if (w == W_TRAINED)
        m->w[W_TRAINED].known = 0;
}

/* A file was written from the current weights: it holds them (known once a forward has run). */
static void saved_as(senet_net *net, model *m, int slot, int seq, int step)
{
    if (!m->w[m->current].known)
        forward_and_compare(net, m, N, seq, step, "a save");
    m->w[slot] = m->w[m->current];
    m->exists[slot] = 1;
}

static void one_call(senet_net *net, model *m, int seq, int step)
{
    int state = m->frozen ? SENET_ERR_STATE : SENET_OK; /* what a call that needs the weights gets */
    float loss, *p, *g;
    size_t count;
    senet_checkpoint_info info = {.epoch = 1, .step = 2, .note = "sequence"};
    senet_sgd_options sgd = {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-4f};
    int failed = 0, status;
    const char *name = "?";
    switch (draw(15)) {
    case 0: {
        int seed = 1 + (int)draw(2);
        name = "init";
        CHECK(senet_net_init(net, (uint64_t)seed) == SENET_OK, "seq %d step %d: init", seq, step);
        becomes(m, seed == 1 ? W_INIT1 : W_INIT2, 0);
        break;
    }
    case 1: {
        int b = (int)draw(2);
        name = "load";
        CHECK(senet_net_load(net, b ? path_b : path_a) == SENET_OK, "seq %d step %d: load", seq, step);
        becomes(m, b ? W_FILE_B : W_FILE_A, 0);
        break;
    }
    case 2: {
        int slot = W_SAVED0 + (int)draw(2);
        name = "load of a saved file";
        status = senet_net_load(net, path_saved[slot - W_SAVED0]);
        CHECK(status == (m->exists[slot] ? SENET_OK : SENET_ERR_IO), "seq %d step %d: load saved %d: %d", seq, step,
              slot, status);
        if (m->exists[slot])
            becomes(m, slot, 0);
        failed = !m->exists[slot];
        break;
    }
    case 3: {
        int b = (int)draw(4);
        name = "a bad load";
        status = senet_net_load(net, path_bad[b]);
        CHECK(status == bad_status[b], "seq %d step %d: bad load %d gave %d", seq, step, b, status);
        failed = 1;
        break;
    }
    case 4:
        name = "freeze";
        CHECK(senet_net_freeze(net) == SENET_OK, "seq %d step %d: freeze", seq, step);
        m->frozen = 1;
        break;
    case 5:
    case 6:
        forward_and_compare(net, m, 1 + (int)draw(2), seq, step, "nothing");
        break;
    case 7: {
        float out[N * K];
        name = "a bad forward";
        status = senet_net_forward(net, x, N, 16, SIZE, out);
        CHECK(status == SENET_ERR_SHAPE, "seq %d step %d: 16-row forward gave %d", seq, step, status);
        failed = 1;
        break;
    }
    case 8:
        name = "a training step";
        status = senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0.1f, &loss);
        CHECK(status == state, "seq %d step %d: train step gave %d", seq, step, status);
        if (status == SENET_OK) {
            int n;
            const float *last = senet_net_last_logits(net, &n);
            CHECK(last && n == N, "seq %d step %d: a step leaves its logits", seq, step);
            if (last)
                memcpy(m->last, last, sizeof m->last);
            becomes(m, W_TRAINED, 0);
            m->train_logits = last != NULL;
        }
        failed = status != SENET_OK;
        break;
    case 9:
        name = "an SGD step";
        status = senet_sgd_step(net, &sgd);
        CHECK(status == state, "seq %d step %d: SGD step gave %d", seq, step, status);
        if (status == SENET_OK)
            becomes(m, W_TRAINED, 0);
        failed = status != SENET_OK;
        break;
    case 10: {
        int slot = W_SAVED0 + (int)draw(2);
        name = "a save";
        status = senet_net_save(net, path_saved[slot - W_SAVED0]);
        CHECK(status == state, "seq %d step %d: save gave %d", seq, step, status);
        if (status == SENET_OK)
            saved_as(net, m, slot, seq, step);
        failed = status != SENET_OK;
        break;
    }
    case 11: {
        int threads = 1 + (int)draw(2);
        senet_set_threads(threads);
        CHECK(senet_get_threads() == threads, "seq %d step %d: %d threads", seq, step, threads);
        break;
    }
    case 12:
        name = "parameter access";
        status = senet_net_params(net, &p, &g, &count);
        CHECK(status == state, "seq %d step %d: params gave %d", seq, step, status);
        failed = status != SENET_OK;
        break;
    case 13:
        name = "a checkpoint save";
        status = senet_checkpoint_save(net, path_ckpt, &info);
        CHECK(status == state, "seq %d step %d: checkpoint save gave %d", seq, step, status);
        if (status == SENET_OK)
            saved_as(net, m, W_CKPT, seq, step);
        failed = status != SENET_OK;
        break;
    case 14: {
        int plain = (int)draw(2); /* a weights file is not a checkpoint */
        name = "a checkpoint load";
        status = senet_checkpoint_load(net, plain ? path_a : path_ckpt, &info);
        int want = plain ? SENET_ERR_FORMAT : m->exists[W_CKPT] ? SENET_OK : SENET_ERR_IO;
        CHECK(status == want, "seq %d step %d: checkpoint load gave %d, not %d", seq, step, status, want);
        if (status == SENET_OK) {
            CHECK(info.epoch == 1 && info.step == 2 && strcmp(info.note, "sequence") == 0, "seq %d step %d: info", seq,
                  step);
            becomes(m, W_CKPT, 0);
        }
        failed = status != SENET_OK;
        break;
    }
    }
    if (failed) { /* the net is as it was: its training logits, its frozen state, its logits */
        check_last_logits(net, m, seq, step, name);
        if (m->frozen)
            CHECK(senet_net_params(net, &p, &g, &count) == SENET_ERR_STATE, "seq %d step %d: still frozen after %s",
                  seq, step, name);
        forward_and_compare(net, m, N, seq, step, name);
    }
}

/* The logits of x under weights made by init(seed) or loaded from path. */
static void reference(senet_net *ref, weights *w, int seed, const char *path)
{
    int ok = path ? senet_net_load(ref, path) == SENET_OK : senet_net_init(ref, (uint64_t)seed) == SENET_OK;
    w->known = ok && senet_net_forward(ref, x, N, SIZE, SIZE, w->logits) == SENET_OK;
    check(w->known, "reference logits");
}

static void write_bytes(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((i * 7919 % 1000) / 500.0 - 1.0);
    if (!mkdtemp(dir)) {
        printf("cannot create a temporary folder\n0 passed, 1 failed\n");
        return 1;
    }
    snprintf(path_a, sizeof path_a, "%s/a.safetensors", dir);
    snprintf(path_b, sizeof path_b, "%s/b.safetensors", dir);
    for (int i = 0; i < 2; i++)
        snprintf(path_saved[i], sizeof path_saved[i], "%s/saved%d.safetensors", dir, i);
    snprintf(path_ckpt, sizeof path_ckpt, "%s/run.ckpt", dir);
    const char *bad_names[4] = {"resnet20.safetensors", "garbage.safetensors", "missing.safetensors", "half.safetensors"};
    for (int i = 0; i < 4; i++)
        snprintf(path_bad[i], sizeof path_bad[i], "%s/%s", dir, bad_names[i]);

    senet_set_threads(1);
    senet_config cfg, plain_cfg;
    senet_net *ref = NULL, *plain = NULL;
    check(senet_config_default("se_resnet20", &cfg) == SENET_OK && senet_net_create(&cfg, &ref) == SENET_OK &&
              senet_config_default("resnet20", &plain_cfg) == SENET_OK && senet_net_create(&plain_cfg, &plain) == SENET_OK,
          "reference nets");
    if (!ref || !plain)
        return report();
    check(senet_net_init(ref, 101) == SENET_OK && senet_net_save(ref, path_a) == SENET_OK &&
              senet_net_init(ref, 202) == SENET_OK && senet_net_save(ref, path_b) == SENET_OK &&
              senet_net_save(plain, path_bad[0]) == SENET_OK,
          "the weights files");
    write_bytes(path_bad[1], "not a safetensors file", 22);
    FILE *f = fopen(path_a, "rb");
    static char bytes[1 << 21];
    size_t size = f ? fread(bytes, 1, sizeof bytes, f) : 0;
    if (f)
        fclose(f);
    write_bytes(path_bad[3], bytes, size / 2); /* its header promises more data than there is */
    model start;
    memset(&start, 0, sizeof start);
    reference(ref, &start.w[W_INIT1], 1, NULL);
    reference(ref, &start.w[W_INIT2], 2, NULL);
    reference(ref, &start.w[W_FILE_A], 0, path_a);
    reference(ref, &start.w[W_FILE_B], 0, path_b);
    senet_net_free(ref);
    senet_net_free(plain);

    int calls = 0;
    for (int seq = 0; seq < SEQUENCES; seq++) {
        rng_state = 0x9e3779b97f4a7c15ULL * (uint64_t)(seq + 1);
        for (int i = 0; i < 2; i++)
            remove(path_saved[i]);
        remove(path_ckpt);
        senet_set_threads(1);
        senet_net *net = NULL;
        check(senet_net_create(&cfg, &net) == SENET_OK && senet_net_init(net, 1) == SENET_OK, "create");
        if (!net)
            break;
        model m = start;
        m.current = W_INIT1;
        for (int step = 0; step < STEPS; step++, calls++)
            one_call(net, &m, seq, step);
        senet_net_free(net);
    }
    printf("%d random calls in %d sequences\n", calls, SEQUENCES);
    for (int i = 0; i < 2; i++)
        remove(path_saved[i]);
    remove(path_ckpt);
    remove(path_a);
    remove(path_b);
    for (int i = 0; i < 4; i++)
        remove(path_bad[i]);
    rmdir(dir);
    return report();
}
