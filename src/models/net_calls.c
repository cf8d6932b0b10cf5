/* The public calls on a net: each checks its pointers (SENET_ERR_ARGUMENT
 * for a NULL one, before anything else) and then holds the net's in-use
 * flag while the body (net.c, net_infer.c, the io and train floors) runs.
 *
 * Why a flag and not a lock: a net's activations and plans are one set of
 * buffers, so two calls at once could only wait for each other; a second
 * call that finds the flag set fails with SENET_ERR_STATE at once and
 * touches nothing, which tells the caller that its program shares a net
 * across threads (one net per thread is the way to run in parallel). */
#include "net.h"
#include "../io/model_meta.h"

#include "../base/status.h"
#include "../base/threads.h"

int net_call_enter(const senet_net *net, const char *what)
{
    /* the flag is the one field every call may write, const net or not */
    atomic_int *flag = (atomic_int *)&net->in_use;
    int idle = 0;
    if (!atomic_compare_exchange_strong(flag, &idle, 1))
        return senet_fail(SENET_ERR_STATE, "%s: another call is running on this net (a net serves one thread at a time)",
                          what);
    /* the flag makes this call the net's only one: its two thread fields are ours */
    senet_net *own = (senet_net *)net;
    own->threads_before = threads_scope_begin(net->threads);
    return SENET_OK;
}

void net_call_leave(const senet_net *net)
{
    threads_scope_end(net->threads_before);
    atomic_store((atomic_int *)&net->in_use, 0);
}

int senet_net_set_threads(senet_net *net, int threads)
{
    if (!net)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_set_threads: net is NULL");
    if (threads < 0 || threads > 1024)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_set_threads: %d threads is out of range (0..1024, 0: the "
                                              "process-wide count)", threads);
    TRY(net_call_enter(net, "senet_net_set_threads"));
    net->threads = threads;
    net_call_leave(net);
    return SENET_OK;
}

int senet_net_get_threads(const senet_net *net)
{
    if (!net)
        return 0;
    return net->threads > 0 ? net->threads : threads_get();
}

static int null_argument(const char *what)
{
    return senet_fail(SENET_ERR_ARGUMENT, "%s: a required pointer argument is NULL", what);
}

/* Runs CALL (a status expression) holding NET's flag; NEEDED: the pointers
 * that must not be NULL. */
#define GUARDED(net, needed, what, call)      \
    do {                                      \
        if (!(net) || !(needed))              \
            return null_argument(what);       \
        TRY(net_call_enter((net), (what)));   \
        int status_ = (call);                 \
        net_call_leave(net);                  \
        return status_;                       \
    } while (0)

int senet_net_init(senet_net *net, uint64_t seed) { GUARDED(net, 1, "senet_net_init", net_init(net, seed)); }

int senet_net_forward(senet_net *net, const float *input, int n, int h, int w, float *logits)
{
    GUARDED(net, input && logits, "senet_net_forward", net_eval_forward(net, input, n, h, w, logits));
}

int senet_net_forward_backward(senet_net *net, const float *input, const int64_t *labels, int n, int h, int w,
                               float label_smoothing, float *loss)
{
    GUARDED(net, input && labels && loss, "senet_net_forward_backward",
            net_train_step(net, input, labels, n, h, w, label_smoothing, loss));
}

int senet_net_params(senet_net *net, float **params, float **grads, size_t *count)
{
    GUARDED(net, params && grads && count, "senet_net_params", net_params(net, params, grads, count));
}

int senet_net_buffers(senet_net *net, float **buffers, size_t *count)
{
    GUARDED(net, buffers && count, "senet_net_buffers", net_buffers(net, buffers, count));
}

int senet_net_set_replicas(senet_net *net, const senet_replicas *replicas)
{
    GUARDED(net, 1, "senet_net_set_replicas", net_set_replicas(net, replicas));
}

int senet_net_freeze(senet_net *net) { GUARDED(net, 1, "senet_net_freeze", net_freeze(net)); }

int senet_net_set_profiling(senet_net *net, int on)
{
    GUARDED(net, 1, "senet_net_set_profiling", net_set_profiling(net, on));
}

int senet_net_profile(const senet_net *net, senet_layer_profile *rows, int capacity, int *count)
{
    GUARDED(net, count && (capacity == 0 || rows), "senet_net_profile", net_profile_rows(net, rows, capacity, count));
}

int senet_sgd_step(senet_net *net, const senet_sgd_options *opt)
{
    GUARDED(net, opt, "senet_sgd_step", net_sgd_step(net, opt));
}

int senet_net_load(senet_net *net, const char *path)
{
    GUARDED(net, path, "senet_net_load", net_load_weights(net, path));
}

int senet_net_save(const senet_net *net, const char *path)
{
    GUARDED(net, path, "senet_net_save", net_save_weights(net, path));
}

int senet_net_set_metadata(senet_net *net, const char *key, const char *value)
{
    GUARDED(net, key, "senet_net_set_metadata", net_set_metadata(net, key, value));
}

int senet_checkpoint_save(const senet_net *net, const char *path, const senet_checkpoint_info *info)
{
    GUARDED(net, path && info, "senet_checkpoint_save", net_checkpoint_save(net, path, info));
}

int senet_checkpoint_load(senet_net *net, const char *path, senet_checkpoint_info *info)
{
    GUARDED(net, path && info, "senet_checkpoint_load", net_checkpoint_load(net, path, info));
}

/* Valid until the next call, so while another call runs there are none. */
const float *senet_net_last_logits(const senet_net *net, int *n)
{
    if (!net || !n || atomic_load(&((senet_net *)net)->in_use))
        return NULL;
    if (!net->logits_valid || !net->run_n || !net->acts[net->logits_act].data)
        return NULL;
    *n = net->run_n;
    return net->acts[net->logits_act].data;
}

/* What a net is never changes after senet_net_create: these read without the flag. */
int senet_net_num_se_blocks(const senet_net *net) { return net ? net_num_se_blocks(net) : 0; }

int senet_net_se_block(const senet_net *net, int index, senet_se_block *info)
{
    GUARDED(net, info, "senet_net_se_block", net_se_block(net, index, info));
}

int senet_net_find_se_block(const senet_net *net, const char *name, int *index)
{
    GUARDED(net, name && index, "senet_net_find_se_block", net_find_se_block(net, name, index));
}

int senet_net_set_excitation_capture(senet_net *net, int on)
{
    GUARDED(net, 1, "senet_net_set_excitation_capture", net_set_excitation_capture(net, on));
}

int senet_net_excitations(const senet_net *net, int index, const float **gates, int *n)
{
    GUARDED(net, gates && n, "senet_net_excitations", net_excitations(net, index, gates, n));
}

int senet_net_freeze_stages(senet_net *net, unsigned stages)
{
    GUARDED(net, 1, "senet_net_freeze_stages", net_freeze_stages(net, stages));
}

int senet_net_load_backbone(senet_net *net, const char *path)
{
    GUARDED(net, path, "senet_net_load_backbone", net_load_backbone(net, path));
}

int senet_net_set_se_off(senet_net *net, unsigned stages)
{
    GUARDED(net, 1, "senet_net_set_se_off", net_set_se_off(net, stages));
}

const senet_config *senet_net_config(const senet_net *net) { return net ? &net->cfg : NULL; }
size_t senet_net_num_params(const senet_net *net) { return net ? net->num_params : 0; }
int senet_net_num_tensors(const senet_net *net) { return net ? net->num_entries : 0; }

const char *senet_net_tensor_name(const senet_net *net, int index)
{
    return net && index >= 0 && index < net->num_entries ? net->entries[index].name : NULL;
}
