/* Softmax probabilities and top-k (see softmax.h). */
#include "softmax.h"

#include <math.h>

void softmax_probs(const float *logits, int k, double *probs)
{
    double max = logits[0], sum = 0;
    for (int i = 1; i < k; i++)
        if (logits[i] > max)
            max = logits[i];
    for (int i = 0; i < k; i++)
        sum += probs[i] = exp((double)logits[i] - max);
    for (int i = 0; i < k; i++)
        probs[i] /= sum;
}

/* top is small (a handful of classes): a selection pass per place is
 * simpler than a sort and as fast. */
void top_k_indices(const double *probs, int k, int top, int *out)
{
    for (int t = 0; t < top; t++) {
        int best = -1;
        for (int i = 0; i < k; i++) {
            int taken = 0;
            for (int s = 0; s < t && !taken; s++)
                taken = out[s] == i;
            if (!taken && (best < 0 || probs[i] > probs[best]))
                best = i;
        }
        out[t] = best;
    }
}
