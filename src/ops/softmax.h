/* Class probabilities from logits, and the classes they rank first (floor
 * 3): what `senet classify` prints and `senet serve` answers, computed by
 * one definition so that the two give the same numbers. */
#ifndef SENET_OPS_SOFTMAX_H
#define SENET_OPS_SOFTMAX_H

/* probs (k) = softmax(logits (k)), in double, with the maximum subtracted. */
void softmax_probs(const float *logits, int k, double *probs);

/* out (top) = the indices of the `top` largest probs, largest first; ties
 * go to the lower index. */
void top_k_indices(const double *probs, int k, int top, int *out);

#endif
