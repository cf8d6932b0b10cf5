/* Model files' metadata in the commands (see model_file.h). */
#include "model_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const squeeze_text[] = {"avg", "max"}, *const gate_text[] = {"sigmoid", "tanh", "relu"},
                         *const mode_text[] = {"standard", "pre", "post", "identity"};

/* A mask with every stage of the architecture for SENET_SE_ALL_STAGES, so
 * that "--se-stages all" agrees with a file that lists them: the CIFAR
 * nets (input 32) have 3 stages, the ImageNet ones 4. */
static unsigned full_stages(const senet_config *c)
{
    unsigned all = senet_arch_input_size(c->arch) == 32 ? 0x7u : 0xFu;
    return c->se.stages == SENET_SE_ALL_STAGES ? all : c->se.stages;
}

static void stages_text(unsigned mask, char *buf, size_t size)
{
    size_t len = 0;
    snprintf(buf, size, "none");
    for (int s = 1; s <= 4 && mask; s++)
        if (mask & (1u << (s - 1)))
            len += (size_t)snprintf(buf + len, size - len, len ? ",%d" : "%d", s);
}

static int disagree(const char *command, const char *flag, const char *given, const char *weights, const char *key,
                    const char *file_value)
{
    fprintf(stderr, "senet %s: --%s %s disagrees with %s, whose %s is %s (leave the option out to take the file's)\n",
            command, flag, given, weights, key, file_value);
    return 2;
}

/* Each flag given must equal the file's value. */
static int check_flags(const char *command, const net_options *o, const char *weights, const senet_config *file,
                       const senet_config *flags, int allow_classes)
{
    char a[32], b[32];
    if (o->num_classes && !allow_classes && flags->num_classes != file->num_classes) {
        snprintf(a, sizeof a, "%d", flags->num_classes);
        snprintf(b, sizeof b, "%d", file->num_classes);
        return disagree(command, "num-classes", a, weights, "num_classes", b);
    }
    if (o->se_reduction && flags->se.reduction != file->se.reduction) {
        snprintf(b, sizeof b, "%d", file->se.reduction);
        return disagree(command, "se-reduction", o->se_reduction, weights, "se_reduction", b);
    }
    if (o->se_squeeze && flags->se.squeeze != file->se.squeeze)
        return disagree(command, "se-squeeze", o->se_squeeze, weights, "se_squeeze", squeeze_text[file->se.squeeze]);
    if (o->se_gate && flags->se.gate != file->se.gate)
        return disagree(command, "se-gate", o->se_gate, weights, "se_gate", gate_text[file->se.gate]);
    if (o->se_mode && flags->se.mode != file->se.mode)
        return disagree(command, "se-mode", o->se_mode, weights, "se_mode", mode_text[file->se.mode]);
    if (o->se_stages && full_stages(flags) != full_stages(file)) {
        stages_text(full_stages(file), b, sizeof b);
        return disagree(command, "se-stages", o->se_stages, weights, "se_stages", b);
    }
    if (o->se_bias && flags->se.bias != file->se.bias)
        return disagree(command, "se-bias", o->se_bias, weights, "se_bias", file->se.bias ? "1" : "0");
    return 0;
}

int model_config(const char *command, const net_options *o, const char *weights, int allow_classes,
                 senet_config *cfg, senet_model_info *info)
{
    memset(info, 0, sizeof *info);
    if (weights) {
        int status = senet_model_info_read(weights, info);
        if (status) {
            cli_error(command, "", status);
            return 1;
        }
    }
    if (!info->has_config) {
        if (!o->arch) {
            fprintf(stderr, "senet %s: --arch is required%s%s%s (see 'senet info --list')\n", command,
                    weights ? ": " : "", weights ? weights : "", weights ? " does not say its architecture" : "");
            return 2;
        }
        if (net_config_from_options(o, cfg))
            return 2;
        /* A PyTorch file does not say its classes, but its classifier does. */
        if (!o->num_classes && info->classifier_outputs)
            cfg->num_classes = info->classifier_outputs;
        return 0;
    }
    const senet_config *file = &info->config;
    if (o->arch && strcmp(o->arch, file->arch) != 0)
        return disagree(command, "arch", o->arch, weights, "arch", file->arch);
    net_options on_file = *o;
    on_file.arch = file->arch;
    senet_config flags;
    if (net_config_from_options(&on_file, &flags))
        return 2;
    int rc = check_flags(command, o, weights, file, &flags, allow_classes);
    if (rc)
        return rc;
    *cfg = *file;
    if (o->num_classes)
        cfg->num_classes = flags.num_classes;
    return 0;
}

int parse_model_command(const char *command, const char *usage, option_spec *specs, int num_specs, int argc,
                        char **argv, const net_options *net, const char *const *weights, senet_config *cfg,
                        senet_model_info *info, int *exit_code)
{
    int rc = parse_options(command, usage, specs, num_specs, argc, argv, 2);
    *exit_code = rc > 0 ? 0 : 2;
    if (rc)
        return -1;
    *exit_code = model_config(command, net, *weights, 0, cfg, info);
    return *exit_code ? -1 : 0;
}

/* Splits text into lines (a trailing newline ends the last). */
static int names_from_text(char *text, int expected, class_names *out)
{
    memset(out, 0, sizeof *out);
    char **names = calloc((size_t)expected, sizeof *names);
    if (!names)
        return -1;
    int count = 0;
    for (char *p = text; *p && count < expected;) {
        char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len && p[len - 1] == '\r')
            len--;
        if (!(names[count] = malloc(len + 1)))
            break;
        memcpy(names[count], p, len);
        names[count++][len] = '\0';
        p = end ? end + 1 : p + len;
    }
    out->count = count;
    out->owned = names;
    out->names = (const char *const *)names;
    if (count != expected) {
        class_names_free(out);
        return -1;
    }
    return 0;
}

int model_class_names(const char *command, const char *weights, const senet_model_info *info, const char *labels,
                      int num_classes, class_names *out)
{
    memset(out, 0, sizeof *out);
    if (!weights || !info->num_class_names || info->num_class_names != num_classes)
        return class_names_for(command, labels, num_classes, out);
    size_t length;
    int status = senet_model_metadata(weights, "class_names", NULL, 0, &length);
    char *text = status ? NULL : malloc(length + 1);
    if (text)
        status = senet_model_metadata(weights, "class_names", text, length + 1, &length);
    if (status || !text || names_from_text(text, num_classes, out)) {
        free(text);
        cli_error(command, "cannot read the class names", status ? status : SENET_ERR_NOMEM);
        return 1;
    }
    free(text);
    if (!labels)
        return 0;
    class_names given;
    int rc = class_names_load(command, labels, num_classes, &given);
    if (rc) {
        class_names_free(out);
        return rc;
    }
    for (int i = 0; i < num_classes && !rc; i++)
        if (strcmp(given.names[i], out->names[i]) != 0) {
            fprintf(stderr, "senet %s: --labels %s names class %d '%s', %s names it '%s' (leave --labels out to take "
                            "the file's names)\n",
                    command, labels, i, given.names[i], weights, out->names[i]);
            rc = 2;
        }
    class_names_free(&given);
    if (rc)
        class_names_free(out);
    return rc;
}

int model_normalize(const char *command, const char *weights, const senet_model_info *info, const char *flag,
                    const char **out)
{
    static const char *const known[] = {"imagenet", "caffe", "cifar", "mnist", "unit"};
    int ok = !flag;
    for (int i = 0; i < 5 && !ok; i++)
        ok = strcmp(flag, known[i]) == 0;
    if (!ok) {
        fprintf(stderr, "senet %s: --normalize: unknown normalisation '%s' (imagenet, caffe, cifar, mnist or unit)\n",
                command, flag);
        return -1;
    }
    *out = flag ? flag : info->normalize[0] ? info->normalize : NULL;
    if (flag && info->normalize[0] && strcmp(flag, info->normalize) != 0) {
        disagree(command, "normalize", flag, weights, "normalize", info->normalize);
        return -1;
    }
    return 0;
}

int model_set_command(senet_net *net, int argc, char **argv)
{
    size_t size = 8;
    for (int i = 1; i < argc; i++)
        size += strlen(argv[i]) + 1;
    char *text = malloc(size);
    if (!text)
        return SENET_ERR_NOMEM;
    size_t len = (size_t)snprintf(text, size, "senet");
    for (int i = 1; i < argc; i++)
        len += (size_t)snprintf(text + len, size - len, " %s", argv[i]);
    int status = senet_net_set_metadata(net, "command", text);
    free(text);
    return status;
}

int model_set_data_metadata(senet_net *net, const char *const *names, int count, int h, int w, const char *normalize)
{
    int status = SENET_OK;
    if (names && count > 0) {
        size_t size = 1;
        for (int i = 0; i < count; i++)
            size += strlen(names[i]) + 1;
        char *text = malloc(size);
        if (!text)
            return SENET_ERR_NOMEM;
        size_t len = 0;
        for (int i = 0; i < count; i++)
            len += (size_t)snprintf(text + len, size - len, i ? "\n%s" : "%s", names[i]);
        status = senet_net_set_metadata(net, "class_names", text);
        free(text);
    }
    char size_text[32];
    if (h == w)
        snprintf(size_text, sizeof size_text, "%d", h);
    else
        snprintf(size_text, sizeof size_text, "%dx%d", h, w);
    if (!status && h > 0)
        status = senet_net_set_metadata(net, "input_size", size_text);
    if (!status && normalize)
        status = senet_net_set_metadata(net, "normalize", normalize);
    return status;
}
