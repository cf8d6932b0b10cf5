/* Cross-entropy with a log-sum-exp shifted by the row maximum for stability. */
#include "loss.h"

#include <math.h>

double cross_entropy_forward_backward(real *d_logits, const real *logits, const int64_t *labels, int n, int k,
                                      double label_smoothing)
{
    double total = 0;
    for (int b = 0; b < n; b++) {
        const real *row = logits + (size_t)b * k;
        double mx = row[0];
        for (int j = 1; j < k; j++)
            mx = row[j] > mx ? row[j] : mx;
        double sum = 0, sum_logp = 0;
        for (int j = 0; j < k; j++)
            sum += exp(row[j] - mx);
        double lse = mx + log(sum);
        for (int j = 0; j < k; j++)
            sum_logp += row[j] - lse;
        double nll = lse - row[labels[b]];
        total += (1 - label_smoothing) * nll - label_smoothing * sum_logp / k;
        if (d_logits) {
            for (int j = 0; j < k; j++) {
                double target = label_smoothing / k + (j == labels[b] ? 1 - label_smoothing : 0);
                d_logits[(size_t)b * k + j] = (real)((exp(row[j] - lse) - target) / n);
            }
        }
    }
    return total / n;
}
