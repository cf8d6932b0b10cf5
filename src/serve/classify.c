/* POST /v1/classify?top=K[&excitations=1]: the image bytes in the body,
 * decoded and preprocessed exactly as `senet classify` does (the same
 * senet_transform_for_arch input, one image per forward row, softmax in
 * double with the maximum subtracted, ties to the lower index), so that
 * the same file gives the same numbers. */
#include "image_header.h"
#include "service.h"

#include "../ops/softmax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int flag_arg(request *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || *v == '\0');
}

static void classify_answer(request *r)
{
    server *s = r->s;
    int k = r->top < s->classes ? r->top : s->classes;
    double *probs = malloc((size_t)s->classes * sizeof *probs);
    int *best = malloc((size_t)k * sizeof *best);
    if (!probs || !best) {
        free(probs);
        free(best);
        reply_error(r, 500, "out of memory");
        return;
    }
    softmax_probs(r->logits, s->classes, probs);
    top_k_indices(probs, s->classes, k, best);
    json_buf b = {0};
    json_buf_puts(&b, "{\"model\": ");
    json_put_str(&b, s->name);
    json_buf_puts(&b, ", \"arch\": ");
    json_put_str(&b, s->arch);
    json_buf_puts(&b, ", \"predictions\": [");
    for (int t = 0; t < k; t++) {
        json_buf_puts(&b, t ? ", {\"index\": " : "{\"index\": ");
        json_buf_int(&b, best[t]);
        json_buf_puts(&b, ", \"label\": ");
        json_put_str(&b, s->labels[best[t]]);
        json_buf_puts(&b, ", \"probability\": ");
        json_put_double(&b, "%.6g", probs[best[t]]); /* senet classify --json prints %.6g */
        json_buf_puts(&b, "}");
    }
    json_buf_puts(&b, "], \"batch_size\": ");
    json_buf_int(&b, r->job.batch_images);
    json_buf_puts(&b, ", \"inference_ms\": ");
    json_put_double(&b, "%.3f", r->job.inference_ms);
    if (r->excitations) {
        json_buf_puts(&b, ", \"excitations\": [");
        const float *gates = r->excitations; /* (se_total): block after block */
        for (int i = 0; i < s->se_blocks; i++) {
            const senet_se_block *blk = &s->se_info[i];
            json_buf_puts(&b, i ? ", {\"name\": " : "{\"name\": ");
            json_put_str(&b, blk->name);
            json_buf_puts(&b, ", \"stage\": ");
            json_buf_int(&b, blk->stage);
            json_buf_puts(&b, ", \"block\": ");
            json_buf_int(&b, blk->block);
            json_buf_puts(&b, ", \"values\": [");
            for (int c = 0; c < blk->channels; c++) {
                if (c)
                    json_buf_puts(&b, ",");
                json_put_double(&b, "%.6g", gates[c]);
            }
            json_buf_puts(&b, "]}");
            gates += blk->channels;
        }
        json_buf_puts(&b, "]");
    }
    json_buf_puts(&b, ", \"ms\": ");
    json_put_double(&b, "%.3f", serve_now_ms() - r->t0_ms);
    json_buf_puts(&b, "}");
    free(probs);
    free(best);
    reply_json(r, 200, &b, NULL);
}

static int acceptable_type(const char *type)
{
    if (!type || !*type)
        return 1;
    const char *ok[] = {"image/jpeg", "image/jpg", "image/png", "application/octet-stream"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        size_t n = strlen(ok[i]);
        if (strncasecmp(type, ok[i], n) == 0 && (type[n] == '\0' || type[n] == ';' || type[n] == ' '))
            return 1;
    }
    return 0;
}

void classify_body(request *r)
{
    server *s = r->s;
    const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!acceptable_type(type)) {
        reply_error(r, 415, "Content-Type %s is not an image: send image/jpeg, image/png or "
                            "application/octet-stream", type);
        return;
    }
    const char *top = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "top");
    r->top = 5;
    if (top) {
        char *end;
        long k = strtol(top, &end, 10);
        if (*top == '\0' || *end || k < 1 || k > 100000) {
            reply_error(r, 400, "top=%s is not a whole number of at least 1", top);
            return;
        }
        r->top = (int)k;
    }
    if (r->length == 0) {
        reply_error(r, 400, "the body is empty: send the image's bytes (JPEG or PNG)");
        return;
    }
    /* A decompression bomb is refused on its header's claim, before any pixel is allocated. */
    long w = 0, h = 0;
    if (image_header_size(r->body, r->length, &w, &h) == 0 && (long long)w * h > s->o.max_pixels) {
        reply_error(r, 413, "the image is %ld x %ld = %lld pixels by its header, over --max-pixels %lld", w, h,
                    (long long)w * h, s->o.max_pixels);
        return;
    }
    senet_image *img = NULL;
    int status = senet_image_decode(r->body, r->length, "the image", &img);
    if (status) {
        reply_error(r, 400, "%s", *senet_last_error() ? senet_last_error() : senet_strerror(status));
        senet_image_free(img);
        return;
    }
    /* The header was read above; this catches a decoder that saw it otherwise. */
    if ((long long)senet_image_width(img) * senet_image_height(img) > s->o.max_pixels) {
        reply_error(r, 413, "the image is %d x %d pixels, over --max-pixels %lld", senet_image_width(img),
                    senet_image_height(img), s->o.max_pixels);
        senet_image_free(img);
        return;
    }
    int oh, ow;
    status = senet_transform_output_size(s->transform, img, &oh, &ow);
    r->input = status ? NULL : malloc((size_t)3 * oh * ow * sizeof *r->input);
    if (!status && !r->input)
        status = SENET_ERR_NOMEM;
    if (!status)
        status = senet_transform_apply(s->transform, img, 0, r->input, (size_t)3 * oh * ow);
    senet_image_free(img);
    if (status) {
        reply_error(r, status == SENET_ERR_NOMEM ? 500 : 400, "%s",
                    *senet_last_error() ? senet_last_error() : senet_strerror(status));
        return;
    }
    free(r->body); /* the pixels are all the job needs */
    r->body = NULL;
    r->answer = classify_answer;
    submit_job(r, 1, oh, ow, flag_arg(r, "excitations"));
}
