/* Which kernel table runs: chosen once from the CPU's features, or from
 * SENET_ISA; tests switch it with isa_set. */
#include "isa.h"

#include "../base/status.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define X86_KERNELS 1
#endif

/* The tables this build has, best first. */
static const kernel_table *const tables[] = {
#ifdef X86_KERNELS
    &isa_avx512_bf16,
    &isa_avx512_vnni,
    &isa_avx512,
    &isa_avx2,
#endif
    &isa_portable,
};
enum { NUM_TABLES = sizeof tables / sizeof tables[0] };

static const kernel_table *chosen;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;
static char env_error[256]; /* why SENET_ISA could not be followed; "" when it was (or is unset) */

int isa_supported(const char *name)
{
#ifdef X86_KERNELS
    __builtin_cpu_init();
    if (strcmp(name, "avx512_bf16") == 0) /* every CPU with AVX512-BF16 has VNNI too; the table uses both */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16") &&
               __builtin_cpu_supports("avx512vnni");
    if (strcmp(name, "avx512_vnni") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
    if (strcmp(name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f");
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return strcmp(name, "portable") == 0;
}

static const kernel_table *find_table(const char *name)
{
    for (int i = 0; i < NUM_TABLES; i++)
        if (strcmp(tables[i]->name, name) == 0)
            return tables[i];
    return NULL;
}

/* "avx512, avx2 or portable": the names of this build's tables. */
static void table_names(char *dst, size_t size)
{
    *dst = '\0';
    for (int i = 0; i < NUM_TABLES; i++) {
        size_t used = strlen(dst);
        snprintf(dst + used, size - used, "%s%s", i == 0 ? "" : i + 1 == NUM_TABLES ? " or " : ", ", tables[i]->name);
    }
}

/* The best table the CPU runs, or SENET_ISA's; an unknown or unsupported
 * SENET_ISA leaves the best one and a message for isa_check. */
static void choose(void)
{
    for (int i = 0; i < NUM_TABLES && !chosen; i++)
        if (isa_supported(tables[i]->name))
            chosen = tables[i];
    const char *force = getenv("SENET_ISA");
    if (!force || !*force)
        return;
    const kernel_table *want = find_table(force);
    char names[128];
    table_names(names, sizeof names);
    if (!want)
        snprintf(env_error, sizeof env_error, "SENET_ISA=%s is not a micro-kernel of this build: choose %s", force,
                 names);
    else if (!isa_supported(force))
        snprintf(env_error, sizeof env_error, "SENET_ISA=%s: this CPU does not have %s (the best it has is %s)", force,
                 force, chosen->name);
    else
        chosen = want;
}

const kernel_table *isa_kernels(void)
{
    pthread_once(&choose_once, choose);
    return chosen;
}

const char *isa_name(void) { return isa_kernels()->name; }

int isa_check(void)
{
    pthread_once(&choose_once, choose);
    return *env_error ? senet_fail(SENET_ERR_ARGUMENT, "%s", env_error) : SENET_OK;
}

int isa_set(const char *name)
{
    pthread_once(&choose_once, choose);
    const kernel_table *want = name ? find_table(name) : NULL;
    if (!want)
        return senet_fail(SENET_ERR_ARGUMENT, "'%s' is not a micro-kernel of this build", name ? name : "(null)");
    if (!isa_supported(name))
        return senet_fail(SENET_ERR_STATE, "this CPU does not have %s", name);
    chosen = want;
    return SENET_OK;
}
