/* Softmax cross-entropy (floor 3), torch.nn.CrossEntropyLoss with mean
 * reduction and optional label smoothing eps: the target is (1 - eps) on the
 * label plus eps / K spread over all K classes. */
#ifndef SENET_OPS_LOSS_H
#define SENET_OPS_LOSS_H

#include "../base/real.h"

#include <stdint.h>

/* logits (N, K), labels (N) in [0, K). Returns the mean loss; d_logits (N, K)
 * receives dLoss/dlogits (overwritten) when not NULL. Labels are checked by the caller. */
double cross_entropy_forward_backward(real *d_logits, const real *logits, const int64_t *labels, int n, int k,
                                      double label_smoothing);

#endif
