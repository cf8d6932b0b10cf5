/* Bilinear resampling of 8-bit RGB images to float (floor 5: data).
 *
 * The filter is PIL's BILINEAR (what torchvision's Resize and
 * RandomResizedCrop use on PIL images): a triangle whose support widens
 * with the downscaling factor, so shrinking averages every source pixel
 * instead of skipping most (antialiasing), and sampling at pixel centres
 * (align_corners = False). It runs separably, rows then columns, in float
 * throughout; PIL rounds to 8 bits between the passes and at the end, so
 * values agree with PIL's to about one grey level. */
#ifndef SENET_DATA_RESIZE_H
#define SENET_DATA_RESIZE_H

#include "image.h"

/* Resamples the box (by, bx, bh, bw) of SRC (taken as a whole image: the
 * filter does not reach outside it) to a full_h x full_w grid and writes the
 * window of rows [oy, oy + oh) and columns [ox, ox + ow) of that grid to DST,
 * (oh, ow, 3) floats in 0..255. Window pixels outside the grid are 0 (this
 * is how a centre crop larger than the image pads). SENET_ERR_ARGUMENT for a
 * box outside SRC, SENET_ERR_NOMEM. */
int resize_bilinear(const image_u8 *src, int by, int bx, int bh, int bw, int full_h, int full_w, int oy, int ox,
                    int oh, int ow, float *dst);

#endif
