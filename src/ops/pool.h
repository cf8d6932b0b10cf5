/* Pooling over channels-last activations (floor 3): max pooling with
 * PyTorch's ceil mode, and global average and global max pooling. */
#ifndef SENET_OPS_POOL_H
#define SENET_OPS_POOL_H

#include "../base/real.h"

#include <stdint.h>

/* Output size of torch.nn.MaxPool2d(k, stride, pad, ceil_mode): in ceil mode
 * the last window must still start inside the (left-padded) input. */
int maxpool_out_size(int in, int k, int stride, int pad, int ceil_mode);

/* x (N, H, W, C) -> y (N, HO, WO, C); argmax (N, HO, WO, C) keeps the index into x
 * of each maximum for backward (first maximum wins, as in PyTorch); NULL in inference. */
void maxpool_forward(real *y, int32_t *argmax, const real *x, int n, int h, int w, int c, int k, int stride,
                     int pad, int ho, int wo);
/* d_x += scatter of d_y through argmax; count = N*HO*WO*C. */
void maxpool_backward(real *d_x, const real *d_y, const int32_t *argmax, int n, int h, int w, int c, int ho, int wo);

/* x (N, HW, C) -> y (N, C): mean over the HW pixels. */
void global_avgpool_forward(real *y, const real *x, int n, int hw, int c);
void global_avgpool_backward(real *d_x, const real *d_y, int n, int hw, int c);

/* x (N, HW, C) -> y (N, C): max over pixels; argmax (N, C) the winning pixel. */
void global_maxpool_forward(real *y, int32_t *argmax, const real *x, int n, int hw, int c);
void global_maxpool_backward(real *d_x, const real *d_y, const int32_t *argmax, int n, int hw, int c);

#endif
