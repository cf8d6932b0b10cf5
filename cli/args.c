/* Option parsing for the subcommands. Numbers must be complete and in the
 * range the option's table declares, words one of its choices; an unknown
 * option, a missing value, a bad value, a required option left out or one
 * that does not apply is an error that names the option (exit status 2).
 * Nothing falls back silently to a default. */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *command, const char *message, int status)
{
    if (status)
        fprintf(stderr, "senet %s: %s%s%s\n", command, message ? message : "", message && *message ? ": " : "",
                *senet_last_error() ? senet_last_error() : senet_strerror(status));
    else
        fprintf(stderr, "senet %s: %s\n", command, message);
}


static int parse_long(const char *command, const char *name, const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end) {
        fprintf(stderr, "senet %s: --%s expects an integer, got '%s'\n", command, name, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_double(const char *command, const char *name, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v)) {
        fprintf(stderr, "senet %s: --%s expects a finite number, got '%s'\n", command, name, text);
        return -1;
    }
    *out = v;
    return 0;
}

/* A bound as the user would write it: 1000000, not 1e+06. */
static const char *bound_text(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e16)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%g", v);
    return buf;
}

/* What a bounded option allows, e.g. "1..65536", "0 <= F < 1", "more than 0". */
static void range_text(const option_spec *s, int with_note, char *buf, size_t size)
{
    const char *v = s->metavar ? s->metavar : "V";
    char lo[32], hi[32];
    bound_text(s->min, lo, sizeof lo);
    bound_text(s->max, hi, sizeof hi);
    int n;
    if (isinf(s->max))
        n = snprintf(buf, size, s->min_open ? "more than %s" : "%s or more", lo);
    else if (!s->min_open && !s->max_open)
        n = snprintf(buf, size, "%s..%s", lo, hi);
    else
        n = snprintf(buf, size, "%s %s %s %s %s", lo, s->min_open ? "<" : "<=", v, s->max_open ? "<" : "<=", hi);
    if (with_note && s->note && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, "; %s", s->note);
}

/* The help: each option, its text and, where the table bounds it, its range. */
static void print_help(const char *command, const char *usage, const option_spec *specs, int num_specs)
{
    printf("usage: senet %s %s\n\noptions:\n", command, usage);
    for (int i = 0; i < num_specs; i++) {
        char left[64], range[128] = "";
        snprintf(left, sizeof left, "--%s%s%s", specs[i].name, specs[i].kind == OPT_FLAG ? "" : " ",
                 specs[i].kind == OPT_FLAG ? "" : (specs[i].metavar ? specs[i].metavar : "V"));
        if (specs[i].bounded) /* the note is the help's to say */
            range_text(&specs[i], 0, range, sizeof range);
        else if (specs[i].kind == OPT_SIZE)
            snprintf(range, sizeof range, "%d..%d a side", INPUT_SIDE_MIN, INPUT_SIDE_MAX);
        printf("  %-28s %s%s%s%s\n", left, specs[i].help, *range ? " [" : "", range, *range ? "]" : "");
    }
    printf("  %-28s %s\n", "--help", "show this help");
}

static int check_range(const char *command, const option_spec *s, const char *text, double v)
{
    if (!s->bounded || ((s->min_open ? v > s->min : v >= s->min) && (s->max_open ? v < s->max : v <= s->max)))
        return 0;
    char range[128];
    range_text(s, 1, range, sizeof range);
    fprintf(stderr, "senet %s: --%s %s is out of range (%s)\n", command, s->name, text, range);
    return -1;
}

static int check_choice(const char *command, const option_spec *s, const char *text)
{
    if (!s->choices)
        return 0;
    for (const char *const *c = s->choices; *c; c++)
        if (strcmp(text, *c) == 0)
            return 0;
    fprintf(stderr, "senet %s: --%s '%s' is not one of:", command, s->name, text);
    for (const char *const *c = s->choices; *c; c++)
        fprintf(stderr, "%s %s", c == s->choices ? "" : " |", *c);
    fprintf(stderr, "\n");
    return -1;
}

/* S or HxW, each side INPUT_SIDE_MIN..INPUT_SIDE_MAX. */
static int parse_input_size(const char *command, const option_spec *s, const char *text, input_size *out)
{
    char *end;
    errno = 0;
    long h = strtol(text, &end, 10), w = h;
    if (!errno && end != text && *end == 'x' && end[1] >= '0' && end[1] <= '9')
        w = strtol(end + 1, &end, 10);
    if (errno || end == text || *end || (text[0] < '0' || text[0] > '9')) {
        fprintf(stderr, "senet %s: --%s expects S or HxW (e.g. 32 or 224x160), got '%s'\n", command, s->name, text);
        return -1;
    }
    if (h < INPUT_SIDE_MIN || h > INPUT_SIDE_MAX || w < INPUT_SIDE_MIN || w > INPUT_SIDE_MAX) {
        fprintf(stderr, "senet %s: --%s %s is out of range (S or HxW, %d..%d pixels a side)\n", command, s->name, text,
                INPUT_SIDE_MIN, INPUT_SIDE_MAX);
        return -1;
    }
    out->h = (int)h;
    out->w = (int)w;
    return 0;
}

static const option_spec *find_spec(const option_spec *specs, int num_specs, const char *name, size_t len)
{
    for (int j = 0; j < num_specs; j++)
        if (strlen(specs[j].name) == len && strncmp(specs[j].name, name, len) == 0)
            return &specs[j];
    return NULL;
}

int option_given(const option_spec *specs, int num_specs, const char *name)
{
    const option_spec *s = find_spec(specs, num_specs, name, strlen(name));
    return s && s->given;
}

/* An option given that needs another (only_with "resume") or a value of
 * another (only_with "schedule=multistep", that option's value, given or
 * default) is a mistake, not a no-op. */
static int check_only_with(const char *command, const option_spec *specs, int num_specs)
{
    for (int i = 0; i < num_specs; i++) {
        const option_spec *s = &specs[i];
        if (!s->given || !s->only_with)
            continue;
        const char *eq = strchr(s->only_with, '=');
        size_t len = eq ? (size_t)(eq - s->only_with) : strlen(s->only_with);
        const option_spec *other = find_spec(specs, num_specs, s->only_with, len);
        if (!other)
            continue;
        if (!eq && !other->given) {
            fprintf(stderr, "senet %s: --%s applies only with --%s\n", command, s->name, other->name);
            return -1;
        }
        const char *value = eq && other->kind == OPT_STRING ? *(const char *const *)other->value : NULL;
        if (eq && (!value || strcmp(value, eq + 1) != 0)) {
            fprintf(stderr, "senet %s: --%s does not apply to --%s %s (only to %s)\n", command, s->name, other->name,
                    value ? value : "(none)", eq + 1);
            return -1;
        }
    }
    return 0;
}

int parse_options(const char *command, const char *usage, option_spec *specs, int num_specs, int argc, char **argv,
                  int first)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help(command, usage, specs, num_specs);
            return 1;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "senet %s: unexpected argument '%s' (see 'senet %s --help')\n", command, arg, command);
            return -1;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        option_spec *spec = (option_spec *)find_spec(specs, num_specs, name, len);
        if (!spec) {
            fprintf(stderr, "senet %s: unknown option '%.*s' (see 'senet %s --help')\n", command, (int)len + 2, arg,
                    command);
            return -1;
        }
        spec->given = 1;
        if (spec->kind == OPT_FLAG) {
            if (eq) {
                fprintf(stderr, "senet %s: --%s takes no value\n", command, spec->name);
                return -1;
            }
            *(int *)spec->value = 1;
            continue;
        }
        const char *text = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!text) {
            fprintf(stderr, "senet %s: --%s needs a value\n", command, spec->name);
            return -1;
        }
        int rc = 0;
        if (spec->kind == OPT_STRING) {
            rc = check_choice(command, spec, text);
            *(const char **)spec->value = text;
        } else if (spec->kind == OPT_INT) {
            rc = parse_long(command, spec->name, text, (long *)spec->value);
            rc = rc ? rc : check_range(command, spec, text, (double)*(long *)spec->value);
        } else if (spec->kind == OPT_FLOAT) {
            rc = parse_double(command, spec->name, text, (double *)spec->value);
            rc = rc ? rc : check_range(command, spec, text, *(double *)spec->value);
        } else {
            rc = parse_input_size(command, spec, text, (input_size *)spec->value);
        }
        if (rc)
            return -1;
    }
    for (int i = 0; i < num_specs; i++)
        if (specs[i].required && !specs[i].given) {
            fprintf(stderr, "senet %s: --%s is required (see 'senet %s --help')\n", command, specs[i].name, command);
            return -1;
        }
    return check_only_with(command, specs, num_specs);
}

int input_size_side(const char *command, const input_size *size, int *side)
{
    if (size->h != size->w) {
        fprintf(stderr, "senet %s: --input-size %dx%d: this command's images are square (S, or SxS)\n", command,
                size->h, size->w);
        return -1;
    }
    *side = size->h;
    return 0;
}

const char *plural(char *buf, size_t size, long long number, const char *noun)
{
    size_t n = strlen(noun);
    int es = n && (strchr("sx", noun[n - 1]) || (n > 1 && noun[n - 1] == 'h' && strchr("cs", noun[n - 2])));
    snprintf(buf, size, "%lld %s%s", number, noun, number == 1 ? "" : es ? "es" : "s");
    return buf;
}

static int pick(const char *what, const char *text, const char *const *names, int count, int *out)
{
    for (int i = 0; i < count; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return 0;
        }
    fprintf(stderr, "senet: unknown %s '%s' (choose one of:", what, text);
    for (int i = 0; i < count; i++)
        fprintf(stderr, " %s", names[i]);
    fprintf(stderr, ")\n");
    return -1;
}

static int parse_stage_list(const char *option, const char *text, unsigned *mask)
{
    if (strcmp(text, "none") == 0) {
        *mask = 0;
        return 0;
    }
    if (strcmp(text, "all") == 0) {
        *mask = SENET_SE_ALL_STAGES;
        return 0;
    }
    unsigned m = 0;
    const char *p = text;
    while (*p) {
        if (*p < '1' || *p > '4' || (p[1] && p[1] != ',') || (p[1] == ',' && !p[2])) {
            fprintf(stderr, "senet: --%s expects stage numbers 1-4 separated by commas, 'all' or 'none', got '%s'\n",
                    option, text);
            return -1;
        }
        m |= 1u << (*p - '1');
        p += p[1] ? 2 : 1;
    }
    *mask = m;
    return 0;
}

int net_config_from_options(const net_options *o, senet_config *cfg)
{
    if (!o->arch) {
        fprintf(stderr, "senet: --arch is required (see 'senet info --list')\n");
        return -1;
    }
    if (senet_config_default(o->arch, cfg) != SENET_OK) {
        fprintf(stderr, "senet: %s\n", senet_last_error());
        return -1;
    }
    if (o->num_classes) /* its range is checked as it is parsed */
        cfg->num_classes = (int)o->num_classes;
    static const char *const squeezes[] = {"avg", "max"}, *const gates[] = {"sigmoid", "tanh", "relu"},
                             *const modes[] = {"standard", "pre", "post", "identity"}, *const bools[] = {"0", "1"};
    int v;
    if (o->se_reduction) {
        char *end;
        long r = strtol(o->se_reduction, &end, 10);
        if (*end || end == o->se_reduction || r < 1 || r > 1 << 16) {
            fprintf(stderr, "senet: --se-reduction expects an integer 1..65536, got '%s'\n", o->se_reduction);
            return -1;
        }
        cfg->se.reduction = (int)r;
    }
    if (o->se_squeeze) {
        if (pick("SE squeeze", o->se_squeeze, squeezes, 2, &v))
            return -1;
        cfg->se.squeeze = (senet_squeeze)v;
    }
    if (o->se_gate) {
        if (pick("SE gate", o->se_gate, gates, 3, &v))
            return -1;
        cfg->se.gate = (senet_gate)v;
    }
    if (o->se_mode) {
        if (pick("SE mode", o->se_mode, modes, 4, &v))
            return -1;
        cfg->se.mode = (senet_se_mode)v;
    }
    if (o->se_bias) {
        if (pick("SE bias", o->se_bias, bools, 2, &v))
            return -1;
        cfg->se.bias = v;
    }
    if (o->se_stages) {
        unsigned mask;
        if (parse_stage_list("se-stages", o->se_stages, &mask))
            return -1;
        cfg->se.stages = mask;
    }
    return 0;
}

static senet_net *create_net(const char *command, const senet_config *cfg, const char *weights, int freeze)
{
    senet_net *net = NULL;
    int status = senet_net_create(cfg, &net);
    if (!status && weights)
        status = senet_net_load(net, weights);
    if (!status && freeze)
        status = senet_net_freeze(net);
    if (status) {
        cli_error(command, "", status);
        senet_net_free(net);
        return NULL;
    }
    return net;
}

senet_net *open_net(const char *command, const senet_config *cfg, const char *weights)
{
    return create_net(command, cfg, weights, 0);
}

senet_net *open_frozen_net(const char *command, const senet_config *cfg, const char *weights)
{
    return create_net(command, cfg, weights, 1);
}

int apply_se_off(const char *command, senet_net *net, const char *text)
{
    unsigned mask;
    if (!text)
        return 0;
    if (parse_stage_list("se-off", text, &mask))
        return -1;
    if (mask == SENET_SE_ALL_STAGES) /* "all": the stages this net has SE in */
        for (int s = 1; s <= 4; s++) {
            int found = 0;
            for (int k = 0; k < senet_net_num_se_blocks(net) && !found; k++) {
                senet_se_block b;
                found = senet_net_se_block(net, k, &b) == SENET_OK && b.stage == s;
            }
            if (!found)
                mask &= ~(1u << (s - 1));
        }
    if (mask && senet_net_num_se_blocks(net) == 0) {
        fprintf(stderr, "senet %s: --se-off: %s has no SE blocks\n", command, senet_net_config(net)->arch);
        return -1;
    }
    int status = senet_net_set_se_off(net, mask);
    if (status) {
        cli_error(command, "--se-off", status);
        return -1;
    }
    return 0;
}

int apply_threads(const char *command, long threads)
{
    if (threads < 0 || threads > 1024) {
        fprintf(stderr, "senet %s: --threads %ld is out of range (0..1024, 0: all cores)\n", command, threads);
        return -1;
    }
    senet_set_threads((int)threads);
    return 0;
}

int parse_net_command(const char *command, const char *usage, option_spec *specs, int num_specs, int argc,
                      char **argv, const net_options *net, senet_config *cfg, int *exit_code)
{
    int rc = parse_options(command, usage, specs, num_specs, argc, argv, 2);
    *exit_code = rc > 0 ? 0 : 2;
    if (rc)
        return -1;
    return net_config_from_options(net, cfg) ? -1 : 0;
}
