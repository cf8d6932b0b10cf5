/* Fuzz target: the safetensors reader. Every tensor it accepts is read back
 * with the converting readers, so an offset that escaped the checks shows. */
#include "io/safetensors.h"

#include "fuzz_file.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("input.safetensors", data, size);
    safetensors_file *f = NULL;
    if (safetensors_open(path, &f) != 0)
        return 0;
    for (int i = 0; i < safetensors_count(f); i++) {
        const st_tensor *t = safetensors_tensor(f, i);
        size_t n = st_tensor_numel(t);
        if (safetensors_find(f, t->name) == NULL)
            abort(); /* a listed tensor must be found by its name */
        if (n > (1u << 20))
            continue;
        float *fv = malloc((n ? n : 1) * sizeof *fv);
        int64_t *iv = malloc((n ? n : 1) * sizeof *iv);
        if (fv && iv) {
            (void)safetensors_read_f32(f, t, fv, n);
            (void)safetensors_read_i64(f, t, iv, n);
        }
        free(fv);
        free(iv);
    }
    for (int i = 0; i < safetensors_metadata_count(f); i++)
        (void)safetensors_metadata_get(f, safetensors_metadata_key(f, i));
    safetensors_close(f);
    return 0;
}
