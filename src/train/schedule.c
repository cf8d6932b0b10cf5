/* Learning-rate schedules in closed form of the fractional epoch, so that a
 * resumed run needs no scheduler state: only the epoch it is at. */
#include "senet.h"

#include <math.h>

double senet_lr_at(const senet_lr_schedule *s, double epoch)
{
    if (!s)
        return NAN; /* no schedule: no rate */
    double lr = s->base_lr;
    if (s->kind == SENET_LR_MULTISTEP) {
        for (int i = 0; i < s->num_milestones && i < 8; i++)
            if (epoch >= s->milestones[i])
                lr *= s->gamma;
    } else if (s->kind == SENET_LR_COSINE && s->total_epochs > 0) {
        double t = epoch < s->total_epochs ? epoch / s->total_epochs : 1;
        lr = s->min_lr + (s->base_lr - s->min_lr) * (1 + cos(M_PI * t)) / 2;
    }
    if (s->warmup_epochs > 0 && epoch < s->warmup_epochs)
        lr *= s->warmup_start + (1 - s->warmup_start) * epoch / s->warmup_epochs;
    return lr;
}
