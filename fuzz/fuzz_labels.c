/* Fuzz target: labels files (one class name per line). The first byte is
 * the class count the net expects; the rest is the file. */
#include "class_names.h"

#include "fuzz_file.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = fuzz_write_file("labels.txt", data + 1, size - 1);
    class_names names;
    if (class_names_load("fuzz", path, data[0], &names) == 0) {
        char buf[32];
        volatile size_t sink = 0;
        for (int i = -1; i <= names.count; i++)
            sink += strlen(class_name(&names, i, buf, sizeof buf));
        (void)sink;
        class_names_free(&names);
    }
    return 0;
}
