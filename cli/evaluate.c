/* Evaluation loop and the top-k arithmetic shared with training. */
#include "evaluate.h"

#include "dist/dist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void topk_hits(const float *logits, int k, int64_t label, int *top1, int *top5)
{
    int better = 0; /* classes scoring above the label (ties count against it, as torch.topk may) */
    if (isnan(logits[label])) { /* NaN compares false with everything: it must not win */
        *top1 = *top5 = 0;
        return;
    }
    for (int j = 0; j < k; j++)
        if (j != label && !(logits[j] < logits[label]))
            better++;
    *top1 = better == 0;
    *top5 = better < 5;
}

static double row_loss(const float *logits, int k, int64_t label)
{
    double mx = logits[0], sum = 0;
    for (int j = 1; j < k; j++)
        mx = logits[j] > mx ? logits[j] : mx;
    for (int j = 0; j < k; j++)
        sum += exp(logits[j] - mx);
    return mx + log(sum) - logits[label];
}

static int argmax(const float *v, int k)
{
    int best = 0;
    for (int j = 1; j < k; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* Under mpirun each rank evaluated its shard of every batch: add them up. */
static int sum_over_ranks(eval_result *r, double *loss, int64_t *hit1, int64_t *hit5)
{
    if (dist_world() == 1)
        return SENET_OK;
    int64_t counts[3] = {r->n, *hit1, *hit5};
    size_t k = (size_t)r->classes;
    int status = dist_sum_i64(counts, 3);
    if (!status)
        status = dist_sum_doubles(NULL, loss, 1);
    if (!status)
        status = dist_sum_i64(r->per_class_total, k);
    if (!status)
        status = dist_sum_i64(r->per_class_correct, k);
    if (!status && r->confusion)
        status = dist_sum_i64(r->confusion, k * k);
    r->n = counts[0], *hit1 = counts[1], *hit5 = counts[2];
    return status;
}

int evaluate(senet_net *net, loader *l, int classes, eval_result *out)
{
    return evaluate_each(net, l, classes, out, NULL, NULL);
}

int evaluate_each(senet_net *net, loader *l, int classes, eval_result *out, eval_sink sink, void *ctx)
{
    memset(out, 0, sizeof *out);
    out->classes = classes;
    out->per_class_total = calloc((size_t)classes, sizeof(int64_t));
    out->per_class_correct = calloc((size_t)classes, sizeof(int64_t));
    if (classes <= EVAL_MAX_CONFUSION)
        out->confusion = calloc((size_t)classes * classes, sizeof(int64_t));
    int max_n, h, w;
    loader_batch_shape(l, &max_n, &h, &w);
    float *logits = malloc((size_t)max_n * classes * sizeof(float));
    if (!out->per_class_total || !out->per_class_correct || (classes <= EVAL_MAX_CONFUSION && !out->confusion) ||
        !logits) {
        free(logits);
        eval_result_free(out);
        return SENET_ERR_NOMEM;
    }
    int status = loader_start_epoch(l, 0, 0);
    double loss = 0;
    int64_t hit1 = 0, hit5 = 0;
    while (!status) {
        loader_batch b;
        status = loader_next(l, &b);
        if (status || b.end)
            break;
        if (b.n == 0)
            continue;
        status = senet_net_forward(net, b.images, b.n, b.h, b.w, logits);
        for (int i = 0; i < b.n && !status; i++) {
            const float *row = logits + (size_t)i * classes;
            int64_t label = b.labels[i];
            int t1, t5;
            topk_hits(row, classes, label, &t1, &t5);
            hit1 += t1;
            hit5 += t5;
            loss += row_loss(row, classes, label);
            out->per_class_total[label]++;
            out->per_class_correct[label] += t1;
            if (out->confusion)
                out->confusion[label * classes + argmax(row, classes)]++;
            out->n++;
            if (sink && !status)
                status = sink(ctx, b.indices[i], label, row, classes);
        }
    }
    free(logits);
    if (!status)
        status = sum_over_ranks(out, &loss, &hit1, &hit5);
    if (status) {
        eval_result_free(out);
        return status;
    }
    double n = out->n ? (double)out->n : 1;
    out->loss = loss / n;
    out->top1 = 100.0 * hit1 / n;
    out->top5 = 100.0 * hit5 / n;
    return SENET_OK;
}

void eval_result_free(eval_result *r)
{
    free(r->per_class_total);
    free(r->per_class_correct);
    free(r->confusion);
    r->per_class_total = r->per_class_correct = r->confusion = NULL;
}
