/* A small strict JSON reader and writer (floor 4: io), made for safetensors
 * headers but complete enough to parse any RFC 8259 document.
 *
 * Parsing builds a read-only tree in one arena that json_free releases at
 * once, so no error path has to free half a tree. Strings are decoded to
 * UTF-8 (escapes, \uXXXX and surrogate pairs included) and raw bytes must be
 * valid UTF-8. Integers that fit in int64 become JSON_INT; any other number
 * is validated and kept as its text (JSON_NUMBER), which keeps the reader
 * independent of the C locale. Object members stay in document order and
 * duplicate keys are kept: rejecting them is the caller's policy. */
#ifndef SENET_IO_JSON_H
#define SENET_IO_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_INT,    /* an integer literal that fits in int64 */
    JSON_NUMBER, /* any other number: fraction, exponent or out of range */
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_member json_member;

typedef struct json_value {
    json_type type;
    size_t offset;          /* byte offset of the value in the text, for messages */
    union {
        int64_t integer;    /* JSON_INT */
        struct {
            const char *text; /* JSON_NUMBER: the literal; JSON_STRING: decoded UTF-8; both NUL-terminated */
            size_t length;    /* a string may hold \u0000, so trust length, not strlen */
        } str;
        struct {
            size_t count;
            struct json_value *items;   /* JSON_ARRAY */
            json_member *members;       /* JSON_OBJECT */
        } list;
    } u;
} json_value;

struct json_member {
    const char *key;        /* decoded, NUL-terminated */
    size_t key_length;
    json_value value;
};

typedef struct json_doc json_doc;

/* Parses exactly one value from text[0, length), surrounded only by JSON
 * whitespace. source names the text in messages ("PATH: JSON header: ...").
 * SENET_ERR_FORMAT on malformed input, SENET_ERR_NOMEM on allocation failure. */
int json_parse(const char *text, size_t length, const char *source, json_doc **out);
void json_free(json_doc *doc);
const json_value *json_root(const json_doc *doc);

/* The first member named key, or NULL. */
const json_value *json_object_get(const json_value *object, const char *key);

/* 1 if bytes[0, length) is well-formed UTF-8 (no overlong forms or surrogates). */
int json_utf8_valid(const char *bytes, size_t length);

/* A growing text buffer for emitting JSON. An allocation failure is sticky:
 * later appends do nothing and json_buf_failed() reports it once at the end. */
typedef struct json_buf {
    char *data;
    size_t length, capacity;
    int failed;
} json_buf;

void json_buf_append(json_buf *b, const char *bytes, size_t length);
void json_buf_puts(json_buf *b, const char *s);
void json_buf_int(json_buf *b, int64_t v);
/* A quoted, escaped string; bytes are assumed to be valid UTF-8. */
void json_buf_string(json_buf *b, const char *bytes, size_t length);
int json_buf_failed(const json_buf *b);
void json_buf_free(json_buf *b);

#endif
