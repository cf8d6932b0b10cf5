/* GET /: the web page (page.html, compiled in by embed.cmake), and
 * GET /v1/model, the little description it shows. The page is
 * self-contained: no external script, font or style. */
#include "service.h"

#include <stdlib.h>
#include <string.h>

extern const unsigned char serve_page_html[];
extern const size_t serve_page_html_size;

enum MHD_Result page_get(request *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(serve_page_html_size, (void *)serve_page_html,
                                                                MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    /* nothing but this page's own inline script and style may run */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                            "img-src 'self' blob: data:");
    r->status = 200;
    r->bytes_out = serve_page_html_size;
    r->phase = PHASE_ANSWERED;
    enum MHD_Result ok = MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    return ok;
}

enum MHD_Result model_describe(request *r)
{
    server *s = r->s;
    if (!atomic_load(&s->ready))
        return reply_error(r, 503, "the model is loading");
    json_buf b = {0};
    json_buf_puts(&b, "{\"name\": ");
    json_put_str(&b, s->name);
    json_buf_puts(&b, ", \"arch\": ");
    json_put_str(&b, s->arch);
    json_buf_puts(&b, ", \"classes\": ");
    json_buf_int(&b, s->classes);
    json_buf_puts(&b, ", \"input_size\": ");
    json_buf_int(&b, s->input_size);
    json_buf_puts(&b, ", \"se_blocks\": ");
    json_buf_int(&b, s->se_blocks);
    json_buf_puts(&b, "}");
    return reply_json(r, 200, &b, NULL);
}
