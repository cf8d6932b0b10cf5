/* SE forward and backward, composed of the pooling, linear, activation and
 * scale ops so that each piece is tested once on its own. */
#include "se.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "elementwise.h"
#include "linear.h"
#include "pool.h"

void se_excite(se_saved *saved, const real *x, const se_weights *w, const se_shape *s)
{
    if (s->squeeze == SE_SQUEEZE_MAX)
        global_maxpool_forward(saved->z, saved->argmax, x, s->n, s->hw, s->c);
    else
        global_avgpool_forward(saved->z, x, s->n, s->hw, s->c);
    linear_forward(saved->h, saved->z, w->w1, w->b1, s->n, s->c, s->hidden);
    activation_forward(saved->h, saved->h, (size_t)s->n * s->hidden, ACT_RELU);
    linear_forward(saved->s, saved->h, w->w2, w->b2, s->n, s->hidden, s->c);
    activation_forward(saved->s, saved->s, (size_t)s->n * s->c, s->gate);
}

void se_forward(real *y, se_saved *saved, const real *x, const se_weights *w, const se_shape *s)
{
    se_excite(saved, x, w, s);
    channel_scale_forward(y, x, saved->s, s->n, s->hw, s->c);
}

/* The backward of the excitation and squeeze, from d_s (N, C) filled
 * with the gradient of the gate's output: d_x gets the squeeze's share. */
static int excite_backward(real *d_x, se_grads *g, const real *d_s, const se_saved *saved, const se_weights *w,
                           const se_shape *s)
{
    size_t nc = (size_t)s->n * s->c, nh = (size_t)s->n * s->hidden;
    real *d_a = aligned_calloc_checked(nc, sizeof(real));  /* (N, C) */
    real *d_h = aligned_calloc_checked(nh, sizeof(real));  /* (N, hidden) */
    real *d_hp = aligned_calloc_checked(nh, sizeof(real)); /* (N, hidden) before the ReLU */
    real *d_z = aligned_calloc_checked(nc, sizeof(real));  /* (N, C) */
    int status = SENET_OK;
    if (!d_a || !d_h || !d_hp || !d_z) {
        status = senet_fail(SENET_ERR_NOMEM, "SE backward: no memory for %zu values", nc);
        goto done;
    }
    activation_backward(d_a, d_s, saved->s, nc, s->gate);
    linear_backward(d_h, g->w2, g->b2, d_a, saved->h, w->w2, s->n, s->hidden, s->c);
    activation_backward(d_hp, d_h, saved->h, nh, ACT_RELU);
    linear_backward(d_z, g->w1, g->b1, d_hp, saved->z, w->w1, s->n, s->c, s->hidden);
    if (s->squeeze == SE_SQUEEZE_MAX)
        global_maxpool_backward(d_x, d_z, saved->argmax, s->n, s->hw, s->c);
    else
        global_avgpool_backward(d_x, d_z, s->n, s->hw, s->c);
done:
    aligned_free(d_a);
    aligned_free(d_h);
    aligned_free(d_hp);
    aligned_free(d_z);
    return status;
}

/* The backward of the scale, alone (d_residual NULL) or inside the residual
 * add (and ReLU), then of the excitation and squeeze. */
static int backward(real *d_x, real *d_residual, se_grads *g, const real *d_y, const real *y, const real *x,
                    const se_saved *saved, const se_weights *w, const se_shape *s)
{
    real *d_s = aligned_calloc_checked((size_t)s->n * s->c, sizeof(real)); /* (N, C) */
    if (!d_s)
        return senet_fail(SENET_ERR_NOMEM, "SE backward: no memory for %d x %d values", s->n, s->c);
    if (d_residual)
        scale_add_backward(d_x, d_residual, d_s, d_y, y, x, saved->s, s->n, s->hw, s->c);
    else
        channel_scale_backward(d_x, d_s, d_y, x, saved->s, s->n, s->hw, s->c);
    int status = excite_backward(d_x, g, d_s, saved, w, s);
    aligned_free(d_s);
    return status;
}

int se_backward(real *d_x, se_grads *g, const real *d_y, const real *x, const se_saved *saved, const se_weights *w,
                const se_shape *s)
{
    return backward(d_x, NULL, g, d_y, NULL, x, saved, w, s);
}

int se_add_backward(real *d_x, real *d_residual, se_grads *g, const real *d_y, const real *y, const real *x,
                    const se_saved *saved, const se_weights *w, const se_shape *s)
{
    return backward(d_x, d_residual, g, d_y, y, x, saved, w, s);
}
