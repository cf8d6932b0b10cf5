/* Helpers shared by the fuzz targets: most readers take a path, not a
 * buffer, so the input is written to a file in a private temporary folder
 * (on /dev/shm when there is one, to keep executions fast). */
#ifndef SENET_FUZZ_FILE_H
#define SENET_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to DIR/NAME in this process's folder and returns that path
 * (valid until the next call with the same name). Aborts if the file cannot
 * be written: that is a broken harness, not a finding. */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/* This process's folder (created on first use). */
const char *fuzz_dir(void);

#endif
