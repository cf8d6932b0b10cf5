/* Evaluation over a whole split: loss, top-1, top-5, per-class accuracy and
 * a confusion matrix (kept for up to 100 classes). */
#ifndef SENET_CLI_EVALUATE_H
#define SENET_CLI_EVALUATE_H

#include "data/loader.h"
#include "senet.h"

#include <stdint.h>

#define EVAL_MAX_CONFUSION 100

typedef struct eval_result {
    int64_t n;
    double loss, top1, top5;    /* mean loss; accuracies in percent */
    int classes;
    int64_t *per_class_total;   /* (classes) */
    int64_t *per_class_correct; /* (classes) */
    int64_t *confusion;         /* (classes, classes) [truth][prediction], or NULL above 100 classes */
} eval_result;

/* Runs the net in eval mode over every batch of epoch 0 of l; under mpirun
 * over this rank's shard, the results summed over all ranks (collective). */
int evaluate(senet_net *net, loader *l, int classes, eval_result *out);
/* evaluate, handing every image to sink as it goes: its dataset index,
 * label and logits (classes); a non-zero return stops the evaluation with
 * that status. Alone only (not under mpirun: a rank sees its shard). */
typedef int (*eval_sink)(void *ctx, int64_t index, int64_t label, const float *logits, int classes);
int evaluate_each(senet_net *net, loader *l, int classes, eval_result *out, eval_sink sink, void *ctx);
void eval_result_free(eval_result *r);

/* Top-1 and top-5 hits of one row of logits (k classes) for its label. */
void topk_hits(const float *logits, int k, int64_t label, int *top1, int *top5);

#endif
