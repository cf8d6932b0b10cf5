/* The strict JSON reader and the small JSON emitter behind safetensors.
 *
 * A recursive-descent parser; nesting is capped so that a hostile header of
 * a million '[' cannot overflow the C stack. Items of containers still open
 * wait on one shared scratch stack and are copied into the arena when their
 * container closes, so every array in the tree is exactly sized. */
#include "json.h"

#include "../base/status.h"

#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 128
#define ARENA_BLOCK (64u * 1024u)

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[];
} arena_block;

struct json_doc {
    arena_block *blocks;
    json_value root;
};

typedef struct parser {
    const char *text;
    size_t length, pos;
    const char *source;
    json_doc *doc;
    json_member *stack;      /* pending items of the open containers */
    size_t stack_length, stack_capacity;
} parser;

static void *arena_alloc(json_doc *doc, size_t bytes)
{
    const size_t align = alignof(max_align_t);
    if (bytes > SIZE_MAX / 2)
        return NULL;
    bytes = (bytes + align - 1) / align * align;
    arena_block *b = doc->blocks;
    if (!b || b->size - b->used < bytes) {
        size_t size = bytes > ARENA_BLOCK ? bytes : ARENA_BLOCK;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = doc->blocks;
        b->used = 0;
        b->size = size;
        doc->blocks = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += bytes;
    return p;
}

static int fail(const parser *p, size_t at, const char *what)
{
    return senet_fail(SENET_ERR_FORMAT, "%s: invalid JSON at byte %zu: %s", p->source, at, what);
}

static int fail_nomem(const parser *p)
{
    return senet_fail(SENET_ERR_NOMEM, "%s: out of memory while parsing JSON", p->source);
}

static void skip_space(parser *p)
{
    while (p->pos < p->length) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int push(parser *p, const json_member *m)
{
    if (p->stack_length == p->stack_capacity) {
        size_t cap = p->stack_capacity ? 2 * p->stack_capacity : 64;
        json_member *s = realloc(p->stack, cap * sizeof *s);
        if (!s)
            return fail_nomem(p);
        p->stack = s;
        p->stack_capacity = cap;
    }
    p->stack[p->stack_length++] = *m;
    return SENET_OK;
}

/* Length of the UTF-8 sequence at s (1..4), or 0 if it is malformed. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* beyond U+10FFFF */
    } else
        return 0;
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

int json_utf8_valid(const char *bytes, size_t length)
{
    const unsigned char *s = (const unsigned char *)bytes;
    for (size_t i = 0; i < length;) {
        size_t n = utf8_sequence(s + i, length - i);
        if (!n)
            return 0;
        i += n;
    }
    return 1;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return 0;
        v = v * 16 + d;
    }
    *out = v;
    return 1;
}

static size_t utf8_encode(unsigned cp, char *dst)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* At an opening quote. Decoding never lengthens the text (the longest
 * output, 4 bytes, comes from a 12-byte surrogate pair), so the raw length
 * bounds the decoded one. */
static int parse_string(parser *p, const char **out, size_t *out_length)
{
    const char *t = p->text;
    size_t open = p->pos, start = open + 1, end = start;
    for (;;) {
        if (end >= p->length)
            return fail(p, open, "unterminated string");
        if (t[end] == '"')
            break;
        end += t[end] == '\\' ? 2 : 1;
    }
    char *dst = arena_alloc(p->doc, end - start + 1);
    if (!dst)
        return fail_nomem(p);
    size_t n = 0;
    for (size_t i = start; i < end;) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x20)
            return fail(p, i, "control character inside a string");
        if (c >= 0x80) {
            size_t len = utf8_sequence((const unsigned char *)t + i, end - i);
            if (!len)
                return fail(p, i, "invalid UTF-8 inside a string");
            memcpy(dst + n, t + i, len);
            n += len;
            i += len;
            continue;
        }
        if (c != '\\') {
            dst[n++] = (char)c;
            i++;
            continue;
        }
        char e = t[i + 1]; /* the scan above guarantees i + 1 < end */
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e != '\0' && simple) {
            dst[n++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            i += 2;
            continue;
        }
        if (e != 'u')
            return fail(p, i, "invalid escape sequence");
        unsigned cp, low;
        if (end - i < 6 || !hex4(t + i + 2, &cp))
            return fail(p, i, "invalid \\u escape");
        i += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return fail(p, i - 6, "unpaired UTF-16 surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - i < 6 || t[i] != '\\' || t[i + 1] != 'u' || !hex4(t + i + 2, &low) || low < 0xDC00 ||
                low > 0xDFFF)
                return fail(p, i - 6, "unpaired UTF-16 surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
        }
        n += utf8_encode(cp, dst + n);
    }
    dst[n] = '\0';
    *out = dst;
    *out_length = n;
    p->pos = end + 1;
    return SENET_OK;
}

static int is_digit(const parser *p)
{
    return p->pos < p->length && p->text[p->pos] >= '0' && p->text[p->pos] <= '9';
}

static int parse_number(parser *p, json_value *v)
{
    size_t start = p->pos;
    int negative = p->text[p->pos] == '-', integral = 1;
    if (negative)
        p->pos++;
    if (!is_digit(p))
        return fail(p, start, "invalid number");
    if (p->text[p->pos] == '0')
        p->pos++;
    else
        while (is_digit(p))
            p->pos++;
    size_t digits_end = p->pos;
    if (p->pos < p->length && p->text[p->pos] == '.') {
        p->pos++;
        if (!is_digit(p))
            return fail(p, start, "invalid number: no digits after '.'");
        while (is_digit(p))
            p->pos++;
        integral = 0;
    }
    if (p->pos < p->length && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->length && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
            p->pos++;
        if (!is_digit(p))
            return fail(p, start, "invalid number: no digits in the exponent");
        while (is_digit(p))
            p->pos++;
        integral = 0;
    }
    if (integral) {
        /* Magnitude limit: 2^63 for negatives, 2^63 - 1 otherwise. */
        uint64_t limit = (uint64_t)INT64_MAX + (uint64_t)negative, m = 0;
        size_t i = start + (size_t)negative;
        for (; i < digits_end; i++) {
            uint64_t d = (uint64_t)(p->text[i] - '0');
            if (m > (limit - d) / 10)
                break;
            m = m * 10 + d;
        }
        if (i == digits_end) {
            v->type = JSON_INT;
            v->u.integer = negative ? (m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m) : (int64_t)m;
            return SENET_OK;
        }
    }
    size_t len = p->pos - start;
    char *text = arena_alloc(p->doc, len + 1);
    if (!text)
        return fail_nomem(p);
    memcpy(text, p->text + start, len);
    text[len] = '\0';
    v->type = JSON_NUMBER;
    v->u.str.text = text;
    v->u.str.length = len;
    return SENET_OK;
}

static int parse_value(parser *p, json_value *v, int depth);

/* Copies the items pushed since base into the arena and pops them. */
static int close_container(parser *p, json_value *v, size_t base)
{
    size_t count = p->stack_length - base;
    v->u.list.count = count;
    v->u.list.items = NULL;
    v->u.list.members = NULL;
    if (count == 0)
        return SENET_OK;
    if (v->type == JSON_ARRAY) {
        json_value *items = arena_alloc(p->doc, count * sizeof *items);
        if (!items)
            return fail_nomem(p);
        for (size_t i = 0; i < count; i++)
            items[i] = p->stack[base + i].value;
        v->u.list.items = items;
    } else {
        json_member *members = arena_alloc(p->doc, count * sizeof *members);
        if (!members)
            return fail_nomem(p);
        memcpy(members, p->stack + base, count * sizeof *members);
        v->u.list.members = members;
    }
    p->stack_length = base;
    return SENET_OK;
}

static int parse_container(parser *p, json_value *v, int depth)
{
    int object = p->text[p->pos] == '{';
    char close = object ? '}' : ']';
    size_t base = p->stack_length;
    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    p->pos++;
    skip_space(p);
    if (p->pos < p->length && p->text[p->pos] == close) {
        p->pos++;
        return close_container(p, v, base);
    }
    for (;;) {
        json_member m = {0};
        skip_space(p);
        if (object) {
            if (p->pos >= p->length || p->text[p->pos] != '"')
                return fail(p, p->pos, "expected a string key");
            TRY(parse_string(p, &m.key, &m.key_length));
            skip_space(p);
            if (p->pos >= p->length || p->text[p->pos] != ':')
                return fail(p, p->pos, "expected ':' after an object key");
            p->pos++;
        }
        TRY(parse_value(p, &m.value, depth + 1));
        TRY(push(p, &m));
        skip_space(p);
        if (p->pos < p->length && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->length && p->text[p->pos] == close) {
            p->pos++;
            return close_container(p, v, base);
        }
        return fail(p, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_literal(parser *p, json_value *v, const char *word, json_type type)
{
    size_t n = strlen(word);
    if (p->length - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
        return fail(p, p->pos, "unexpected character");
    p->pos += n;
    v->type = type;
    return SENET_OK;
}

static int parse_value(parser *p, json_value *v, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        return fail(p, p->pos, "nested deeper than 128 levels");
    skip_space(p);
    if (p->pos >= p->length)
        return fail(p, p->pos, "unexpected end of text");
    v->offset = p->pos;
    switch (p->text[p->pos]) {
    case '{':
    case '[':
        return parse_container(p, v, depth);
    case '"':
        v->type = JSON_STRING;
        return parse_string(p, &v->u.str.text, &v->u.str.length);
    case 't':
        return parse_literal(p, v, "true", JSON_TRUE);
    case 'f':
        return parse_literal(p, v, "false", JSON_FALSE);
    case 'n':
        return parse_literal(p, v, "null", JSON_NULL);
    default:
        if (p->text[p->pos] == '-' || (p->text[p->pos] >= '0' && p->text[p->pos] <= '9'))
            return parse_number(p, v);
        return fail(p, p->pos, "unexpected character");
    }
}

void json_free(json_doc *doc)
{
    if (!doc)
        return;
    for (arena_block *b = doc->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(doc);
}

int json_parse(const char *text, size_t length, const char *source, json_doc **out)
{
    *out = NULL;
    parser p = {.text = text, .length = length, .source = source ? source : "JSON"};
    p.doc = calloc(1, sizeof *p.doc);
    if (!p.doc)
        return fail_nomem(&p);
    int status = parse_value(&p, &p.doc->root, 0);
    if (status == SENET_OK) {
        skip_space(&p);
        if (p.pos != p.length)
            status = fail(&p, p.pos, "trailing characters after the value");
    }
    free(p.stack);
    if (status != SENET_OK) {
        json_free(p.doc);
        return status;
    }
    *out = p.doc;
    return SENET_OK;
}

const json_value *json_root(const json_doc *doc) { return &doc->root; }

const json_value *json_object_get(const json_value *object, const char *key)
{
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < object->u.list.count; i++) {
        const json_member *m = &object->u.list.members[i];
        if (m->key_length == n && memcmp(m->key, key, n) == 0)
            return &m->value;
    }
    return NULL;
}

void json_buf_append(json_buf *b, const char *bytes, size_t length)
{
    if (b->failed)
        return;
    if (b->capacity - b->length < length + 1) {
        size_t cap = b->capacity ? b->capacity : 256;
        while (cap - b->length < length + 1) {
            if (cap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->capacity = cap;
    }
    memcpy(b->data + b->length, bytes, length);
    b->length += length;
    b->data[b->length] = '\0';
}

void json_buf_puts(json_buf *b, const char *s) { json_buf_append(b, s, strlen(s)); }

void json_buf_int(json_buf *b, int64_t v)
{
    char s[32];
    int n = snprintf(s, sizeof s, "%" PRId64, v);
    json_buf_append(b, s, (size_t)n);
}

void json_buf_string(json_buf *b, const char *bytes, size_t length)
{
    json_buf_append(b, "\"", 1);
    size_t run = 0; /* start of the pending unescaped run */
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        json_buf_append(b, bytes + run, i - run);
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        json_buf_puts(b, esc);
        run = i + 1;
    }
    json_buf_append(b, bytes + run, length - run);
    json_buf_append(b, "\"", 1);
}

int json_buf_failed(const json_buf *b) { return b->failed; }

void json_buf_free(json_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->length = b->capacity = 0;
}
