/* Fuzz target: the JSON parser behind safetensors headers, on raw bytes. */
#include "io/json.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Touches every value so that a bad pointer or length in the tree shows. */
static size_t walk(const json_value *v, int depth)
{
    size_t sum = v->offset;
    switch (v->type) {
    case JSON_STRING:
    case JSON_NUMBER:
        sum += v->u.str.length + (v->u.str.length ? (unsigned char)v->u.str.text[v->u.str.length - 1] : 0);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.list.count; i++)
            sum += walk(&v->u.list.items[i], depth + 1);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.list.count; i++)
            sum += strlen(v->u.list.members[i].key) + walk(&v->u.list.members[i].value, depth + 1);
        break;
    default:
        break;
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_doc *doc = NULL;
    if (json_parse((const char *)data, size, "fuzz", &doc) == 0) {
        volatile size_t sink = walk(json_root(doc), 0);
        (void)sink;
        /* Serialising every decoded string back must work too. */
        json_buf b = {0};
        const json_value *root = json_root(doc);
        if (root->type == JSON_STRING)
            json_buf_string(&b, root->u.str.text, root->u.str.length);
        json_buf_free(&b);
    }
    json_free(doc);
    (void)json_utf8_valid((const char *)data, size);
    return 0;
}
