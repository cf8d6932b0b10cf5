/* Building a network from its architecture row and SE options: the layer
 * list and the parameter table, named exactly as the PyTorch state_dict of
 * the published models (Cadene's senet.py for the ImageNet nets; the CIFAR
 * nets follow the same scheme, see README "Weights"); then its plans
 * (plan_build.c). */
#include "net.h"

#include "../kernels/gemm.h"
#include "../kernels/isa.h"
#include "../base/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
    senet_net *net;
    int stage;
    int status;
} builder;

#define GROW(arr, num, cap)                                                        \
    do {                                                                           \
        if ((num) == (cap)) {                                                      \
            int new_cap_ = (cap) ? 2 * (cap) : 64;                                 \
            void *p_ = realloc((arr), (size_t)new_cap_ * sizeof *(arr));            \
            if (!p_)                                                               \
                return b->status = senet_fail(SENET_ERR_NOMEM, "out of memory building the net"), -1; \
            (arr) = p_;                                                            \
            (cap) = new_cap_;                                                      \
        }                                                                          \
    } while (0)

static int new_act(builder *b, int c)
{
    senet_net *net = b->net;
    GROW(net->acts, net->num_acts, net->cap_acts);
    memset(&net->acts[net->num_acts], 0, sizeof(activation));
    net->acts[net->num_acts].c = c;
    return net->num_acts++;
}

static int add_entry(builder *b, const char *prefix, const char *suffix, int ndim, const int64_t *shape,
                     tensor_store store)
{
    senet_net *net = b->net;
    GROW(net->entries, net->num_entries, net->cap_entries);
    param_entry *e = &net->entries[net->num_entries];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s.%s", prefix, suffix);
    e->ndim = ndim;
    e->numel = 1;
    for (int i = 0; i < ndim; i++) {
        e->shape[i] = shape[i];
        e->numel *= (size_t)shape[i];
    }
    e->store = store;
    e->stage = b->stage;
    size_t *size = store == STORE_PARAM ? &net->num_params : store == STORE_BUFFER ? &net->num_buffers : &net->num_counters;
    e->offset = *size;
    *size += e->numel;
    return net->num_entries++;
}

/* Appends a layer reading `in` and returns the id of its new output activation of c_out channels. */
static int push_layer(builder *b, layer *l, int c_out)
{
    if (b->status)
        return -1;
    senet_net *net = b->net;
    int out = new_act(b, c_out);
    if (out < 0)
        return -1;
    GROW(net->layers, net->num_layers, net->cap_layers);
    l->out = out;
    l->stage = b->stage;
    l->c_in = net->acts[l->in].c;
    l->c_out = c_out;
    net->layers[net->num_layers++] = *l;
    return out;
}

static layer blank_layer(layer_kind kind, int in)
{
    layer l;
    memset(&l, 0, sizeof l);
    l.kind = kind;
    l.in = in;
    l.in2 = -1;
    l.weight = l.bias = -1;
    l.bn_gamma = l.bn_beta = l.running_mean = l.running_var = l.num_batches_tracked = -1;
    l.fc1_weight = l.fc1_bias = l.fc2_weight = l.fc2_bias = -1;
    return l;
}

int net_layer_entry(const layer *l)
{
    switch (l->kind) {
    case LAYER_CONV:
    case LAYER_LINEAR: return l->weight;
    case LAYER_BN: return l->bn_gamma;
    case LAYER_SE: return l->fc1_weight;
    default: return -1;
    }
}

static int conv(builder *b, const char *name, int in, int c_out, int kernel, int stride, int pad, int groups)
{
    if (b->status)
        return -1;
    layer l = blank_layer(LAYER_CONV, in);
    int c_in = b->net->acts[in].c;
    l.kernel = kernel, l.stride = stride, l.pad = pad, l.groups = groups;
    int64_t shape[4] = {c_out, c_in / groups, kernel, kernel};
    l.weight = add_entry(b, name, "weight", 4, shape, STORE_PARAM);
    return push_layer(b, &l, c_out);
}

static int batchnorm(builder *b, const char *name, int in)
{
    if (b->status)
        return -1;
    layer l = blank_layer(LAYER_BN, in);
    int64_t c = b->net->acts[in].c;
    l.bn_gamma = add_entry(b, name, "weight", 1, &c, STORE_PARAM);
    l.bn_beta = add_entry(b, name, "bias", 1, &c, STORE_PARAM);
    l.running_mean = add_entry(b, name, "running_mean", 1, &c, STORE_BUFFER);
    l.running_var = add_entry(b, name, "running_var", 1, &c, STORE_BUFFER);
    l.num_batches_tracked = add_entry(b, name, "num_batches_tracked", 0, NULL, STORE_COUNTER);
    return push_layer(b, &l, (int)c);
}

static int relu(builder *b, int in)
{
    if (b->status)
        return -1;
    layer l = blank_layer(LAYER_RELU, in);
    return push_layer(b, &l, b->net->acts[in].c);
}

static int conv_bn_relu(builder *b, const char *prefix, int index, int in, int c_out, int kernel, int stride, int groups)
{
    char conv_name[80], bn_name[80];
    snprintf(conv_name, sizeof conv_name, "%s.conv%d", prefix, index);
    snprintf(bn_name, sizeof bn_name, "%s.bn%d", prefix, index);
    return relu(b, batchnorm(b, bn_name, conv(b, conv_name, in, c_out, kernel, stride, kernel / 2, groups)));
}

static int maxpool(builder *b, int in)
{
    if (b->status)
        return -1;
    layer l = blank_layer(LAYER_MAXPOOL, in);
    l.kernel = 3, l.stride = 2;
    return push_layer(b, &l, b->net->acts[in].c);
}

static int add(builder *b, int x, int y)
{
    if (b->status)
        return -1;
    layer l = blank_layer(LAYER_ADD, x);
    l.in2 = y;
    return push_layer(b, &l, b->net->acts[x].c);
}

static int se_module(builder *b, const char *prefix, int in)
{
    if (b->status)
        return -1;
    const senet_se_options *o = &b->net->cfg.se;
    int c = b->net->acts[in].c;
    if (c % o->reduction)
        return b->status = senet_fail(SENET_ERR_ARGUMENT,
                                      "SE reduction %d does not divide the %d channels of %s", o->reduction, c, prefix),
               -1;
    layer l = blank_layer(LAYER_SE, in);
    l.hidden = c / o->reduction;
    l.squeeze = o->squeeze == SENET_SQUEEZE_MAX ? SE_SQUEEZE_MAX : SE_SQUEEZE_AVG;
    l.gate = o->gate == SENET_GATE_TANH ? ACT_TANH : o->gate == SENET_GATE_RELU ? ACT_RELU : ACT_SIGMOID;
    char name[80];
    int64_t w1[4] = {l.hidden, c, 1, 1}, w2[4] = {c, l.hidden, 1, 1}, b1 = l.hidden, b2 = c;
    snprintf(name, sizeof name, "%s.se_module.fc1", prefix);
    l.fc1_weight = add_entry(b, name, "weight", 4, w1, STORE_PARAM);
    if (o->bias)
        l.fc1_bias = add_entry(b, name, "bias", 1, &b1, STORE_PARAM);
    snprintf(name, sizeof name, "%s.se_module.fc2", prefix);
    l.fc2_weight = add_entry(b, name, "weight", 4, w2, STORE_PARAM);
    if (o->bias)
        l.fc2_bias = add_entry(b, name, "bias", 1, &b2, STORE_PARAM);
    return push_layer(b, &l, c);
}

/* SE at `where` when this stage has SE in that integration mode, else x unchanged. */
static int se_at(builder *b, senet_se_mode where, const char *prefix, int x)
{
    const senet_se_options *o = &b->net->cfg.se;
    if (!(o->stages & (1u << (b->stage - 1))) || o->mode != where)
        return x;
    return se_module(b, prefix, x);
}

/* The projection shortcut: conv (+ BN unless pre-activation). */
static int shortcut(builder *b, const char *prefix, int x, int c_out, int kernel, int stride, int with_bn)
{
    char name[80];
    snprintf(name, sizeof name, "%s.downsample.0", prefix);
    int y = conv(b, name, x, c_out, kernel, stride, kernel / 2, 1);
    if (!with_bn)
        return y;
    snprintf(name, sizeof name, "%s.downsample.1", prefix);
    return batchnorm(b, name, y);
}

typedef struct block_args {
    const char *prefix;
    int planes, stride;
    int project;         /* shortcut needs a projection */
    int shortcut_kernel;
} block_args;

static int bottleneck_block(builder *b, int x, const block_args *a)
{
    const arch_row *arch = b->net->arch;
    int width1, width2, out_c = a->planes * arch->expansion;
    arch_bottleneck_widths(arch, a->planes, &width1, &width2);
    int s1 = arch->stride_in_conv1 ? a->stride : 1, s2 = arch->stride_in_conv1 ? 1 : a->stride;
    int t = se_at(b, SENET_SE_PRE, a->prefix, x);
    t = conv_bn_relu(b, a->prefix, 1, t, width1, 1, s1, 1);
    t = conv_bn_relu(b, a->prefix, 2, t, width2, 3, s2, arch->groups);
    char name[80];
    snprintf(name, sizeof name, "%s.conv3", a->prefix);
    t = conv(b, name, t, out_c, 1, 1, 0, 1);
    snprintf(name, sizeof name, "%s.bn3", a->prefix);
    t = batchnorm(b, name, t);
    t = se_at(b, SENET_SE_STANDARD, a->prefix, t);
    int s = a->project ? shortcut(b, a->prefix, x, out_c, a->shortcut_kernel, a->stride, 1) : x;
    s = se_at(b, SENET_SE_IDENTITY, a->prefix, s);
    return se_at(b, SENET_SE_POST, a->prefix, relu(b, add(b, t, s)));
}

static int basic_block(builder *b, int x, const block_args *a)
{
    int t = se_at(b, SENET_SE_PRE, a->prefix, x);
    t = conv_bn_relu(b, a->prefix, 1, t, a->planes, 3, a->stride, 1);
    char name[80];
    snprintf(name, sizeof name, "%s.conv2", a->prefix);
    t = conv(b, name, t, a->planes, 3, 1, 1, 1);
    snprintf(name, sizeof name, "%s.bn2", a->prefix);
    t = batchnorm(b, name, t);
    t = se_at(b, SENET_SE_STANDARD, a->prefix, t);
    int s = a->project ? shortcut(b, a->prefix, x, a->planes, 1, a->stride, 1) : x;
    s = se_at(b, SENET_SE_IDENTITY, a->prefix, s);
    return se_at(b, SENET_SE_POST, a->prefix, relu(b, add(b, t, s)));
}

/* He et al. 2016 (identity mappings): BN-ReLU before each conv; the
 * projection shortcut takes the pre-activated input; no ReLU after the add. */
static int preact_block(builder *b, int x, const block_args *a)
{
    int out_c = a->planes * b->net->arch->expansion;
    char name[80];
    int t = se_at(b, SENET_SE_PRE, a->prefix, x);
    snprintf(name, sizeof name, "%s.bn1", a->prefix);
    int p = relu(b, batchnorm(b, name, t));
    snprintf(name, sizeof name, "%s.conv1", a->prefix);
    t = conv(b, name, p, a->planes, 1, 1, 0, 1);
    snprintf(name, sizeof name, "%s.bn2", a->prefix);
    t = relu(b, batchnorm(b, name, t));
    snprintf(name, sizeof name, "%s.conv2", a->prefix);
    t = conv(b, name, t, a->planes, 3, a->stride, 1, 1);
    snprintf(name, sizeof name, "%s.bn3", a->prefix);
    t = relu(b, batchnorm(b, name, t));
    snprintf(name, sizeof name, "%s.conv3", a->prefix);
    t = conv(b, name, t, out_c, 1, 1, 0, 1);
    t = se_at(b, SENET_SE_STANDARD, a->prefix, t);
    int s = a->project ? shortcut(b, a->prefix, p, out_c, 1, a->stride, 0) : x;
    s = se_at(b, SENET_SE_IDENTITY, a->prefix, s);
    return se_at(b, SENET_SE_POST, a->prefix, add(b, t, s));
}

static int stem(builder *b, int x)
{
    const arch_row *arch = b->net->arch;
    switch (arch->stem) {
    case STEM_CONV7:
        return maxpool(b, conv_bn_relu(b, "layer0", 1, x, 64, 7, 2, 1));
    case STEM_CONV3X3X3:
        x = conv_bn_relu(b, "layer0", 1, x, 64, 3, 2, 1);
        x = conv_bn_relu(b, "layer0", 2, x, 64, 3, 1, 1);
        return maxpool(b, conv_bn_relu(b, "layer0", 3, x, 128, 3, 1, 1));
    case STEM_CIFAR:
        return conv_bn_relu(b, "layer0", 1, x, 16, 3, 1, 1);
    case STEM_CIFAR_PREACT:
        return conv(b, "layer0.conv1", x, 16, 3, 1, 1, 1);
    }
    return -1;
}

static int head(builder *b, int x)
{
    senet_net *net = b->net;
    if (net->arch->block == BLOCK_PREACT_BOTTLENECK)
        x = relu(b, batchnorm(b, "final_bn", x));
    if (b->status)
        return -1;
    layer pool = blank_layer(LAYER_AVGPOOL, x);
    x = push_layer(b, &pool, net->acts[x].c);
    if (net->cfg.dropout > 0 && !b->status) {
        layer drop = blank_layer(LAYER_DROPOUT, x);
        drop.drop_p = net->cfg.dropout;
        x = push_layer(b, &drop, net->acts[x].c);
    }
    if (b->status)
        return -1;
    layer fc = blank_layer(LAYER_LINEAR, x);
    int64_t w[2] = {net->cfg.num_classes, net->acts[x].c}, bias = net->cfg.num_classes;
    fc.weight = add_entry(b, "last_linear", "weight", 2, w, STORE_PARAM);
    fc.bias = add_entry(b, "last_linear", "bias", 1, &bias, STORE_PARAM);
    return push_layer(b, &fc, net->cfg.num_classes);
}

int net_build(senet_net *net)
{
    /* a SENET_ISA that cannot be followed fails here, once per net, rather
     * than running another kernel without a word */
    TRY(isa_check());
    builder b = {net, 0, SENET_OK};
    const arch_row *arch = net->arch;
    net->input_act = new_act(&b, 3);
    int x = stem(&b, net->input_act);
    int inplanes = net->acts[x < 0 ? 0 : x].c;
    for (int s = 0; s < arch->num_stages && !b.status; s++) {
        b.stage = s + 1;
        int planes = arch->planes[s], out_c = planes * arch->expansion;
        for (int i = 0; i < arch->blocks[s]; i++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "layer%d.%d", s + 1, i);
            block_args a = {prefix, planes, i == 0 && s > 0 ? 2 : 1, 0, s == 0 ? 1 : arch->shortcut_kernel};
            a.project = i == 0 && (a.stride != 1 || inplanes != out_c);
            if (arch->block == BLOCK_BASIC)
                x = basic_block(&b, x, &a);
            else if (arch->block == BLOCK_PREACT_BOTTLENECK)
                x = preact_block(&b, x, &a);
            else
                x = bottleneck_block(&b, x, &a);
            inplanes = out_c;
        }
    }
    b.stage = 5;
    net->logits_act = head(&b, x);
    return b.status == SENET_OK ? plan_build(net) : b.status;
}
