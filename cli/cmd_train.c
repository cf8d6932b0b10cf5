/* senet train: SGD on a dataset with a learning-rate schedule, evaluation
 * every epoch, an atomic checkpoint every epoch (and every N steps if asked),
 * exact resume, a progress bar, a JSON-lines metrics log, final weights and
 * the weights of the best evaluation so far.
 *
 * Resume is exact because everything that decides the next step is in the
 * checkpoint or derived from it: weights, BN statistics, momentum, the
 * dropout RNG, and the position (epoch, batch) from which the loader
 * rebuilds the data order and augmentation (they depend on seed, epoch and
 * position only). With the same seed and thread count, a resumed run ends
 * with the same weights, bit for bit, as one never interrupted.
 *
 * Under mpirun (see parallel.h) every rank loads its shard of each global
 * batch, the gradients are summed over the ranks after each backward and
 * every rank takes the same SGD step; --batch and --lr mean what they mean
 * for one process. Rank 0 alone prints, logs and writes checkpoints, which
 * hold nothing rank-specific, so a run resumes with any number of ranks. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "data_check.h"
#include "data_setup.h"
#include "dist/dist.h"
#include "evaluate.h"
#include "finetune.h"
#include "io/safetensors.h"
#include "io/weights.h"
#include "model_file.h"
#include "parallel.h"
#include "progress.h"
#include "run_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct train_options {
    data_choice data;
    const char *out, *resume, *output, *schedule, *milestones;
    const char *weights, *freeze; /* fine-tuning: the start, the stages left as they are */
    long epochs, batch, seed, threads, log_every, checkpoint_every, max_steps, eval_every;
    input_size size;
    double lr, momentum, weight_decay, gamma, warmup, min_lr, smoothing, dropout, head_lr_mult;
    int nesterov, no_decay_1d, sync_bn;
    int extend, allow_changes, overwrite, reset_head, strict_data;
} train_options;

static int make_dir(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

static int parse_schedule(const train_options *o, senet_lr_schedule *s)
{
    memset(s, 0, sizeof *s);
    s->base_lr = o->lr;
    s->gamma = o->gamma;
    s->total_epochs = (double)o->epochs;
    s->min_lr = o->min_lr;
    s->warmup_epochs = o->warmup;
    s->warmup_start = 0.1;
    if (strcmp(o->schedule, "constant") == 0) {
        s->kind = SENET_LR_CONSTANT;
    } else if (strcmp(o->schedule, "cosine") == 0) {
        s->kind = SENET_LR_COSINE;
    } else if (strcmp(o->schedule, "multistep") == 0) {
        s->kind = SENET_LR_MULTISTEP;
        const char *p = o->milestones;
        while (p && *p && s->num_milestones < 8) {
            char *end;
            long m = strtol(p, &end, 10);
            if (end == p || m < 1 || (s->num_milestones && m <= s->milestones[s->num_milestones - 1]))
                return fprintf(stderr, "senet train: --milestones expects increasing epochs like 90,135\n"), -1;
            s->milestones[s->num_milestones++] = (int)m;
            p = *end == ',' ? end + 1 : end;
            if (*end && *end != ',')
                return fprintf(stderr, "senet train: --milestones expects increasing epochs like 90,135\n"), -1;
        }
        if (!o->milestones) { /* the CIFAR recipe: x0.1 at 50% and 75% of training */
            s->milestones[0] = (int)(o->epochs / 2);
            s->milestones[1] = (int)(o->epochs * 3 / 4);
            s->num_milestones = s->milestones[0] >= 1 && s->milestones[1] > s->milestones[0] ? 2 : 0;
        }
    } else {
        fprintf(stderr, "senet train: unknown --schedule '%s' (cosine | multistep | constant)\n", o->schedule);
        return -1;
    }
    return 0;
}

/* The run: everything the loop touches. */
typedef struct run {
    const train_options *o;
    senet_net *net;
    const senet_config *cfg;
    dataset *train_set, *test_set;
    dataset *train_base, *test_base; /* when unreadable images are left out: the full sets the views are of */
    loader *train_loader, *test_loader;
    senet_lr_schedule schedule;
    senet_lr_schedule old_schedule; /* with --extend: the schedule of the run's recorded epochs */
    senet_sgd_options sgd;
    char checkpoint_path[4096], log_path[4096], final_path[4096], best_path[4096];
    double best_top1;      /* the best evaluation's top-1 so far, the one in best_path; -1: none yet */
    char augmentation[160]; /* the training pipeline, for the start-up line */
    int input_h, input_w;   /* the net's input, for the files' metadata */
    const char *normalize;  /* the normalisation preset, or NULL */
    const char *last_good; /* the checkpoint this run resumed from or last wrote; NULL: none yet */
    unsigned frozen_stages; /* --freeze */
    FILE *log;             /* rank 0 only */
    progress bar;
    parallel par;
} run;

/* The run diverged at STEP (1-based), in EPOCH and BATCH (1-based; batch 0:
 * the end of the epoch): WHAT became NaN or infinite. */
static void report_divergence(run *r, const char *what, int64_t step, int64_t epoch, int64_t batch)
{
    char where[64];
    if (batch)
        snprintf(where, sizeof where, "epoch %lld, batch %lld", (long long)epoch, (long long)batch);
    else
        snprintf(where, sizeof where, "end of epoch %lld", (long long)epoch);
    progress_break(&r->bar);
    fprintf(stderr, "senet train: %s at step %lld (%s); stopped.\n", what, (long long)step, where);
    if (r->last_good)
        fprintf(stderr,
                "The last good checkpoint is %s. Resume with a lower learning rate, e.g.\n"
                "  senet train ... --resume %s --lr %g --allow-changes\n",
                r->last_good, r->last_good, r->o->lr / 10);
    else
        fprintf(stderr, "No checkpoint was written yet. Start again with a lower learning rate, e.g.\n"
                        "  senet train ... --lr %g\n",
                r->o->lr / 10);
}

/* BATCH: batches done in EPOCH (0-based); STEP: steps done. */
static int save_checkpoint(run *r, int64_t epoch, int64_t batch, int64_t step)
{
    if (r->par.rank != 0)
        return SENET_OK;
    senet_checkpoint_info info = {epoch, step, batch, (uint64_t)r->o->seed, ""};
    snprintf(info.note, sizeof info.note, "senet train --arch %s --data %s", r->cfg->arch, r->o->data.path);
    int status = senet_checkpoint_save(r->net, r->checkpoint_path, &info);
    if (status == SENET_ERR_NUMERIC) {
        /* A finite loss, then an update that overflowed: keep the old checkpoint. */
        char what[160];
        snprintf(what, sizeof what, "the weights became NaN or infinite (%s)", senet_last_error());
        report_divergence(r, what, step, batch ? epoch + 1 : epoch, batch);
    } else if (status) {
        progress_break(&r->bar);
        cli_error("train", "cannot write the checkpoint", status);
    } else {
        r->last_good = r->checkpoint_path;
    }
    return status;
}

/* The weights of the best evaluation so far, with its epoch and top-1 in
 * the file's metadata (for a resumed run to compare against). */
static int save_best(run *r, int64_t epoch, double top1)
{
    char epoch_text[32], top1_text[32];
    snprintf(epoch_text, sizeof epoch_text, "%lld", (long long)epoch);
    snprintf(top1_text, sizeof top1_text, "%.17g", top1); /* exact: a resumed run compares the same number */
    const char *keys[2] = {"epoch", "test_top1"}, *values[2] = {epoch_text, top1_text};
    int status = weights_save_metadata(r->net, r->best_path, NULL, 0, keys, values, 2);
    if (!status)
        r->best_top1 = top1;
    return status;
}

/* The top-1 of the best weights a resumed run left at or before EPOCH; -1
 * when there are none (or they come from later epochs of another attempt). */
static double best_so_far(const char *path, int64_t epoch)
{
    safetensors_file *f;
    double top1 = -1;
    if (access(path, F_OK) != 0 || safetensors_open(path, &f) != SENET_OK)
        return -1;
    const char *at = safetensors_metadata_get(f, "epoch"), *score = safetensors_metadata_get(f, "test_top1");
    if (at && score && strtoll(at, NULL, 10) <= epoch)
        top1 = strtod(score, NULL);
    safetensors_close(f);
    return top1;
}

/* A new run may not replace another run's results: a checkpoint, final or
 * best weights in --out (a log without them is of a run that never got as
 * far as a checkpoint, and goes). --overwrite removes them first. */
static int claim_out(run *r, const char *out)
{
    const char *files[4] = {r->checkpoint_path, r->final_path, r->best_path, r->log_path};
    int taken = 0;
    for (int i = 0; i < 3; i++)
        taken |= access(files[i], F_OK) == 0;
    if (!taken)
        return 0;
    if (!r->o->overwrite) {
        fprintf(stderr, "senet train: %s holds another run (checkpoint, final or best weights): continue it with "
                        "--resume %s, choose another --out, or pass --overwrite to replace it\n",
                out, r->checkpoint_path);
        return -1;
    }
    for (int i = 0; i < 4; i++)
        if (remove(files[i]) && errno != ENOENT) {
            fprintf(stderr, "senet train: --overwrite: cannot remove %s: %s\n", files[i], strerror(errno));
            return -1;
        }
    fprintf(stderr, "senet train: --overwrite: removed the earlier run's files in %s\n", out);
    return 0;
}

/* What changes the result of the run, for its checkpoints and its log. */
static void record_options(const run *r, const senet_config *cfg, run_record *rec)
{
    const train_options *o = r->o;
    const senet_lr_schedule *s = &r->schedule;
    memset(rec, 0, sizeof *rec);
    run_record_add(rec, "epochs", "%ld", o->epochs);
    run_record_add(rec, "batch", "%ld", o->batch);
    run_record_add(rec, "lr", "%.9g", o->lr);
    run_record_add(rec, "schedule", "%s", o->schedule);
    char milestones[96] = "";
    for (int i = 0, len = 0; i < s->num_milestones; i++)
        len += snprintf(milestones + len, sizeof milestones - (size_t)len, i ? ",%d" : "%d", s->milestones[i]);
    if (s->kind == SENET_LR_MULTISTEP) {
        run_record_add(rec, "milestones", "%s", milestones);
        run_record_add(rec, "gamma", "%.9g", o->gamma);
    }
    if (s->kind == SENET_LR_COSINE)
        run_record_add(rec, "min-lr", "%.9g", o->min_lr);
    run_record_add(rec, "warmup", "%.9g", o->warmup);
    run_record_add(rec, "momentum", "%.9g", o->momentum);
    run_record_add(rec, "nesterov", "%d", o->nesterov);
    run_record_add(rec, "weight-decay", "%.9g", o->weight_decay);
    run_record_add(rec, "no-decay-bn-bias", "%d", o->no_decay_1d);
    run_record_add(rec, "label-smoothing", "%.9g", o->smoothing);
    run_record_add(rec, "dropout", "%.9g", (double)cfg->dropout);
    run_record_add(rec, "augment", "%s", r->augmentation);
    run_record_add(rec, "input-size", "%dx%d", r->input_h, r->input_w);
    run_record_add(rec, "data", "%s", o->data.path);
    run_record_add(rec, "data-size", "%lld training, %lld test images", (long long)dataset_count(r->train_set),
                   r->test_set ? (long long)dataset_count(r->test_set) : 0LL);
    run_record_add(rec, "val-split", "%.9g", o->data.val_split);
    run_record_add(rec, "normalize", "%s", r->normalize ? r->normalize : "custom");
    run_record_add(rec, "seed", "%ld", o->seed);
    run_record_add(rec, "threads", "%d", senet_get_threads());
    char frozen[64];
    freeze_describe(r->frozen_stages, frozen, sizeof frozen);
    run_record_add_since(rec, "weights", "none", "%s", o->weights ? o->weights : "none");
    run_record_add_since(rec, "reset-head", "0", "%d", o->reset_head);
    run_record_add_since(rec, "freeze", "none", "%s", frozen);
    run_record_add_since(rec, "head-lr-mult", "1", "%.9g", o->head_lr_mult);
}

/* A resumed run must be the run its checkpoint was written by: every
 * recorded option the same (more epochs with --extend; anything with
 * --allow-changes, listed). Checkpoints from before the record existed
 * resume with a note. 0 to go on, else the exit status. */
static int check_resume(run *r, const run_record *now, double position)
{
    const train_options *o = r->o;
    size_t length;
    char *recorded = NULL;
    if (senet_model_metadata(o->resume, "train_options", NULL, 0, &length) != SENET_OK) {
        fprintf(stderr, "senet train: note: %s was written before checkpoints recorded their run's options, so "
                        "they could not be checked against this command's\n",
                o->resume);
        return 0;
    }
    if (!(recorded = malloc(length + 1)) || senet_model_metadata(o->resume, "train_options", recorded, length + 1,
                                                                 &length) != SENET_OK) {
        free(recorded);
        cli_error("train", "cannot read the checkpoint's options", SENET_ERR_NOMEM);
        return 1;
    }
    static const char *const derived[] = {"milestones", NULL}; /* 50% and 75% of --epochs when not given */
    long before = 0;
    if (r->par.rank == 0)
        fprintf(stderr, "senet train: checking the options against %s's run\n", o->resume);
    int refused = run_record_compare("train", now, recorded, o->extend, o->milestones ? NULL : derived, &before);
    free(recorded);
    if (refused < 0) {
        fprintf(stderr, "senet train: %s: its train_options metadata is malformed\n", o->resume);
        return 1;
    }
    if (refused && !o->allow_changes) {
        fprintf(stderr, "senet train: %d option%s above differ%s from the run of %s: resume with the same options "
                        "(more epochs: --extend), or pass --allow-changes to go on with these\n",
                refused, refused == 1 ? "" : "s", refused == 1 ? "s" : "", o->resume);
        return 2;
    }
    train_options shorter = *o;
    shorter.epochs = before;
    if (before && parse_schedule(&shorter, &r->old_schedule) == 0 && r->par.rank == 0) {
        /* what the schedule becomes: the old run's, continued, is not what a longer run from the start has */
        fprintf(stderr, "senet train: --extend: %ld -> %ld epochs; the %s schedule now runs over %ld epochs: the "
                        "learning rate at the resume point (epoch %.3f) is %g (it was %g in the %ld-epoch run)\n",
                before, o->epochs, o->schedule, o->epochs, position, senet_lr_at(&r->schedule, position),
                senet_lr_at(&r->old_schedule, position), before);
    }
    return 0;
}

/* Images in global batch b, all ranks together (the last may be short). */
static int64_t global_batch_size(const run *r, int64_t b)
{
    int64_t left = dataset_count(r->train_set) - b * r->o->batch;
    return left < r->o->batch ? left : r->o->batch;
}

/* The metadata key of an epoch-end checkpoint whose evaluation had not
 * finished when it was written: the epoch's training figures as JSON. */
#define PENDING_KEY "pending_evaluation"

/* What an epoch's training measured, for its log line. */
typedef struct epoch_figures {
    int64_t epoch; /* epochs done, this one included */
    double train_loss, train_top1, seconds;
    int64_t images;
} epoch_figures;

/* The end of an epoch after its checkpoint: the evaluation (when due), the
 * best weights, then the log's epoch line (so a run stopped between them
 * evaluates again on resume: its log has no line for the epoch). */
static int finish_epoch(run *r, const epoch_figures *f, int64_t step)
{
    const train_options *o = r->o;
    int do_eval = r->test_loader && (f->epoch % o->eval_every == 0 || f->epoch == o->epochs);
    eval_result ev = {0};
    int status;
    if (do_eval && ((status = parallel_share_buffers(&r->par, r->net)) ||
                    (status = evaluate(r->net, r->test_loader, r->cfg->num_classes, &ev)))) {
        cli_error("train", "evaluation failed", status);
        return status;
    }
    if (r->par.rank != 0) {
        eval_result_free(&ev);
        return SENET_OK;
    }
    int best = do_eval && ev.top1 > r->best_top1;
    if (best && (status = save_best(r, f->epoch, ev.top1))) {
        cli_error("train", "cannot write the best weights", status);
        eval_result_free(&ev);
        return status;
    }
    fprintf(r->log, "{\"type\": \"epoch\", \"epoch\": %lld, \"step\": %lld, \"train_loss\": %.6f, \"train_top1\": %.4f",
            (long long)f->epoch, (long long)step, f->train_loss, f->train_top1);
    if (do_eval)
        fprintf(r->log, ", \"test_loss\": %.6f, \"test_top1\": %.4f, \"test_top5\": %.4f", ev.loss, ev.top1, ev.top5);
    fprintf(r->log, ", \"seconds\": %.2f}\n", f->seconds);
    fflush(r->log);
    fprintf(stderr, "epoch %lld/%ld: train loss %.4f top-1 %.2f%%", (long long)f->epoch, o->epochs, f->train_loss,
            f->train_top1);
    if (do_eval)
        fprintf(stderr, " | %s loss %.4f top-1 %.2f%% top-5 %.2f%%", o->data.val_split > 0 ? "val" : "test", ev.loss,
                ev.top1, ev.top5);
    fprintf(stderr, " | %.0f s, %.0f img/s%s\n", f->seconds, f->seconds > 0 ? f->images / f->seconds : 0,
            best ? " | best so far" : "");
    eval_result_free(&ev);
    return SENET_OK;
}

/* Whether LOG holds the epoch line of EPOCH (epochs done). */
static int log_has_epoch(const char *log, int64_t epoch)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return 0;
    char want[64], line[1024];
    snprintf(want, sizeof want, "{\"type\": \"epoch\", \"epoch\": %lld,", (long long)epoch);
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strncmp(line, want, strlen(want)) == 0;
    fclose(f);
    return found;
}

/* A resume from an epoch-end checkpoint whose evaluation never finished (the
 * run was stopped while it evaluated): the evaluation, best weights and
 * log line that run would have written, before training goes on. Rank 0
 * reads the log; every rank evaluates. */
static int finish_pending_epoch(run *r, int64_t epoch, int64_t batch, int64_t step)
{
    char json[256];
    size_t length;
    epoch_figures f = {0};
    int64_t due = 0;
    if (batch == 0 && senet_model_metadata(r->o->resume, PENDING_KEY, json, sizeof json, &length) == SENET_OK) {
        long long e = 0, images = 0;
        const char *at;
        if ((at = strstr(json, "\"epoch\": ")))
            e = strtoll(at + 9, NULL, 10);
        if ((at = strstr(json, "\"train_loss\": ")))
            f.train_loss = strtod(at + 14, NULL);
        if ((at = strstr(json, "\"train_top1\": ")))
            f.train_top1 = strtod(at + 14, NULL);
        if ((at = strstr(json, "\"seconds\": ")))
            f.seconds = strtod(at + 11, NULL);
        if ((at = strstr(json, "\"images\": ")))
            images = strtoll(at + 10, NULL, 10);
        f.epoch = e, f.images = images;
        due = e == epoch && epoch > 0 && r->par.rank == 0 && !log_has_epoch(r->log_path, epoch);
    }
    senet_net_set_metadata(r->net, PENDING_KEY, NULL); /* the loaded checkpoint's, not the run's */
    int status = dist_sum_i64(&due, 1);
    if (status || !due)
        return status;
    if (r->par.rank == 0)
        fprintf(stderr, "senet train: epoch %lld was not evaluated before the run stopped: evaluating it now\n",
                (long long)epoch);
    return finish_epoch(r, &f, step);
}

static int run_epoch(run *r, int64_t epoch, int64_t first_batch, int64_t *step, int *stopped)
{
    const train_options *o = r->o;
    int64_t batches = loader_num_batches(r->train_loader);
    int status = loader_start_epoch(r->train_loader, epoch, first_batch);
    double loss_sum = 0;
    int64_t seen = 0, hits = 0;
    double started = now_seconds();
    while (!status) {
        loader_batch b;
        status = loader_next(r->train_loader, &b);
        if (status || b.end)
            break;
        int64_t global_n = global_batch_size(r, b.batch);
        if (global_n < r->par.world)
            continue; /* a last batch too short to give every rank an image (see README) */
        double lr = senet_lr_at(&r->schedule, epoch + (double)b.batch / batches);
        r->sgd.lr = (float)lr;
        float loss;
        status = senet_net_forward_backward(r->net, b.images, b.labels, b.n, b.h, b.w, (float)o->smoothing, &loss);
        if (status == SENET_ERR_NUMERIC) { /* the loss is the global batch's: every rank stops here */
            parallel_failed_together = 1;
            if (r->par.rank != 0)
                return status;
            char what[64];
            snprintf(what, sizeof what, "the loss became %g", loss);
            report_divergence(r, what, *step + 1, epoch + 1, b.batch + 1);
            return status;
        }
        if (!status)
            status = parallel_sum_grads(&r->par, r->net);
        if (!status)
            status = senet_sgd_step(r->net, &r->sgd);
        if (status)
            break;
        int n;
        const float *logits = senet_net_last_logits(r->net, &n);
        for (int i = 0; i < b.n; i++) {
            int t1, t5;
            topk_hits(logits + (size_t)i * r->cfg->num_classes, r->cfg->num_classes, b.labels[i], &t1, &t5);
            hits += t1;
        }
        loss_sum += (double)loss * global_n;
        seen += global_n;
        if (r->par.rank == 0)
            progress_step(&r->bar, epoch, o->epochs, b.batch, batches, *step, loss, lr, (int)global_n);
        ++*step;
        if (r->log && *step % o->log_every == 0)
            fprintf(r->log, "{\"type\": \"step\", \"epoch\": %.5f, \"step\": %lld, \"loss\": %.6f, \"lr\": %.8g}\n",
                    epoch + (double)(b.batch + 1) / batches, (long long)*step, loss, lr);
        int at_limit = o->max_steps && *step >= o->max_steps;
        if ((o->checkpoint_every && *step % o->checkpoint_every == 0) || at_limit) {
            if (r->log)
                fflush(r->log);
            if ((status = save_checkpoint(r, epoch, b.batch + 1, *step)))
                return status;
        }
        if (at_limit) {
            *stopped = 1;
            if (r->par.rank != 0)
                return SENET_OK;
            progress_break(&r->bar);
            char steps[32];
            fprintf(stderr, "senet train: stopped after %s (--max-steps); resume with --resume %s\n",
                    plural(steps, sizeof steps, *step, "step"), r->checkpoint_path);
            return SENET_OK;
        }
    }
    if (status) {
        progress_break(&r->bar);
        cli_error("train", "", status);
        return status;
    }
    progress_break(&r->bar);
    if ((status = dist_sum_i64(&hits, 1)))
        return status;
    double train_loss = seen ? loss_sum / seen : 0, train_top1 = seen ? 100.0 * hits / seen : 0;
    double seconds = now_seconds() - started;
    /* The epoch's checkpoint before its evaluation, so a run stopped while it
     * evaluates loses no training; it carries the epoch's training figures,
     * for a resume to finish the evaluation (pending_evaluation). */
    epoch_figures fig = {epoch + 1, train_loss, train_top1, seconds, seen};
    char pending[256];
    snprintf(pending, sizeof pending, "{\"epoch\": %lld, \"train_loss\": %.17g, \"train_top1\": %.17g, "
             "\"seconds\": %.17g, \"images\": %lld}", (long long)fig.epoch, fig.train_loss, fig.train_top1,
             fig.seconds, (long long)fig.images);
    if (r->log)
        fflush(r->log);
    if ((status = senet_net_set_metadata(r->net, PENDING_KEY, pending)))
        return status;
    status = save_checkpoint(r, epoch + 1, 0, *step);
    senet_net_set_metadata(r->net, PENDING_KEY, NULL); /* the checkpoint's alone, not the best or final file's */
    return status ? status : finish_epoch(r, &fig, *step);
}

static int open_data(run *r, senet_config *cfg, const char *num_classes_given)
{
    const train_options *o = r->o;
    preprocess train_prep, test_prep;
    int size = senet_arch_input_size(cfg->arch);
    int rc = data_open("train", &o->data, 1, 1, &r->train_set, &train_prep, size);
    if (rc)
        return rc;
    data_describe(&train_prep, r->augmentation, sizeof r->augmentation);
    r->input_h = train_prep.out_h;
    r->input_w = train_prep.out_w;
    r->normalize = data_normalization_name(&train_prep);
    int classes = dataset_num_classes(r->train_set);
    if (!num_classes_given)
        cfg->num_classes = classes;
    else if (classes != cfg->num_classes) {
        fprintf(stderr, "senet train: %s has %d classes, --num-classes says %d\n", o->data.path, classes,
                cfg->num_classes);
        return -1;
    }
    if (data_open("train", &o->data, 0, 0, &r->test_set, &test_prep, size)) {
        fprintf(stderr, "senet train: no test split in %s: training without evaluation\n", o->data.path);
        r->test_set = NULL;
    } else if (o->data.val_split > 0) {
        fprintf(stderr, "senet train: %lld of the training images held out to evaluate on (--val-split %g, seed %ld)\n",
                (long long)dataset_count(r->test_set), o->data.val_split, o->seed);
    } else if (dataset_is_unsplit(r->test_set)) {
        fprintf(stderr, "senet train: warning: %s has no train/ and test/ (or val/) folders, so the test figures are "
                        "measured on the training images; --val-split F holds a fraction F of them out\n",
                o->data.path);
    }
    /* every image read once now, so that a bad file stops nothing later */
    const char *which[2] = {"training", "test"};
    dataset **sets[2] = {&r->train_set, &r->test_set}, **bases[2] = {&r->train_base, &r->test_base};
    for (int i = 0; i < 2; i++) {
        dataset *view = NULL;
        if (*sets[i] && data_check("train", which[i], *sets[i], o->strict_data, &view))
            return -1;
        if (view)
            *bases[i] = *sets[i], *sets[i] = view;
    }
    r->train_loader = data_loader("train", r->train_set, &train_prep, (int)o->batch, (uint64_t)o->seed, 1);
    if (!r->train_loader)
        return -1;
    if (r->test_set && !(r->test_loader = data_loader("train", r->test_set, &test_prep, 200, 0, 0)))
        return -1;
    return 0;
}

/* What the ranks must agree on about the data: sizes, classes, every label. */
static uint64_t data_hash(const dataset *train, const dataset *test)
{
    uint64_t h = DIST_HASH_START;
    const dataset *sets[2] = {train, test};
    for (int s = 0; s < 2; s++) {
        if (!sets[s])
            continue;
        int64_t count = dataset_count(sets[s]);
        int shape[3] = {dataset_num_classes(sets[s]), 0, 0};
        dataset_image_size(sets[s], &shape[1], &shape[2]);
        h = dist_hash(h, &count, sizeof count);
        h = dist_hash(h, shape, sizeof shape);
        for (int64_t i = 0; i < count; i++) {
            int label = dataset_label(sets[s], i);
            h = dist_hash(h, &label, sizeof label);
        }
    }
    return h;
}

/* A checkpoint read on every rank (a shared file, or copies): same position and weights. */
static uint64_t checkpoint_hash(senet_net *net, const senet_checkpoint_info *info)
{
    int64_t position[3] = {info->epoch, info->batch, info->step};
    float *params, *grads;
    size_t count;
    if (senet_net_params(net, &params, &grads, &count))
        return 0; /* no memory for the gradients: a hash no healthy rank gives, so the check fails */
    return dist_hash(dist_hash(DIST_HASH_START, position, sizeof position), params, count * sizeof(float));
}

/* Rank 0 says how long a step spent in collectives: sending, and waiting
 * for the slowest rank to arrive (bench/allreduce.c times sending alone). */
static void report_communication(const parallel *p, int64_t steps)
{
    if (p->world == 1 || p->rank != 0 || steps <= 0)
        return;
    fprintf(stderr,
            "senet train: per step, rank 0 spent in collectives (waiting for the other ranks included): "
            "gradient all-reduce %.2f ms, %s %.2f ms (%.0f calls)\n",
            1e3 * p->grad_seconds / steps, p->sync_bn ? "loss and sync-BN sums" : "loss sum",
            1e3 * p->hook_seconds / steps, (double)p->hook_calls / steps);
}

/* What every file the run writes says about its net: the classes' names,
 * the input, the normalisation and the command line. */
static int describe_files(run *r, int argc, char **argv)
{
    int k = dataset_num_classes(r->train_set);
    const char **names = malloc((size_t)k * sizeof *names);
    int status = names ? SENET_OK : SENET_ERR_NOMEM;
    for (int c = 0; names && c < k; c++)
        names[c] = dataset_class_name(r->train_set, c);
    if (!status)
        status = model_set_command(r->net, argc, argv);
    if (!status)
        status = model_set_data_metadata(r->net, names, k, r->input_h, r->input_w, r->normalize);
    free(names);
    if (status)
        cli_error("train", "cannot describe the net", status);
    return status;
}

/* Fine-tuning: the weights of --weights, all of them when the classes are
 * the data's, else (or with --reset-head) all but the classifier, which
 * keeps its initialisation from --seed. */
static int load_start(run *r, const senet_model_info *info)
{
    const train_options *o = r->o;
    int file_classes = info->has_config ? info->config.num_classes : info->classifier_outputs;
    int replace = o->reset_head || file_classes != r->cfg->num_classes;
    int status = replace ? senet_net_load_backbone(r->net, o->weights) : senet_net_load(r->net, o->weights);
    if (status) {
        cli_error("train", "cannot load --weights", status);
        return -1;
    }
    if (r->par.rank != 0)
        return 0;
    if (replace)
        fprintf(stderr, "senet train: fine-tuning %s: its classifier (%d classes) replaced by a new one of %d, "
                        "initialised from --seed %ld\n", o->weights, file_classes, r->cfg->num_classes, o->seed);
    else
        fprintf(stderr, "senet train: fine-tuning %s, its classifier too (%d classes, as the data's; --reset-head "
                        "for a new one)\n", o->weights, file_classes);
    return 0;
}

static void free_run(run *r)
{
    loader_free(r->train_loader);
    loader_free(r->test_loader);
    dataset_free(r->train_set);
    dataset_free(r->test_set);
    dataset_free(r->train_base);
    dataset_free(r->test_base);
    senet_net_free(r->net);
    if (r->log)
        fclose(r->log);
}

int cmd_train(int argc, char **argv)
{
    net_options net = {0};
    train_options o = {.out = NULL, .schedule = "cosine", .epochs = 1, .batch = 128, .log_every = 1,
                       .eval_every = 1, .lr = 0.1, .momentum = 0.9, .weight_decay = 5e-4, .gamma = 0.1,
                       .dropout = -1, .threads = 0, .head_lr_mult = 1};
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        DATA_OPTION_SPECS(&o.data),
        {"input-size", OPT_SIZE, &o.size, "train at this size, S (default: the data's, or 224 for folders)", "S"},
        {"val-split", OPT_FLOAT, &o.data.val_split,
         "evaluate on this fraction of the training images, held out by --seed, instead of the test split", "F",
         OPT_BELOW(0, 1), .note = "0: the test split"},
        {"augment", OPT_STRING, &o.data.augment,
         "cifar (pad 4, crop, flip) | imagenet (random resized crop, flip); default: cifar for images up to 64x64",
         "A", DATA_AUGMENT_CHOICES},
        {"epochs", OPT_INT, &o.epochs, "epochs (1)", "E", OPT_RANGE(1, 100000)},
        {"batch", OPT_INT, &o.batch, "batch size (128)", "N", OPT_RANGE(1, 65536)},
        {"lr", OPT_FLOAT, &o.lr, "base learning rate (0.1)", "F", OPT_MORE_THAN(0)},
        {"schedule", OPT_STRING, &o.schedule, "cosine | multistep | constant (cosine)", "S",
         OPT_CHOICES("cosine", "multistep", "constant")},
        {"milestones", OPT_STRING, &o.milestones, "multistep epochs (default: 50% and 75% of --epochs)", "LIST",
         .only_with = "schedule=multistep"},
        {"gamma", OPT_FLOAT, &o.gamma, "multistep factor (0.1)", "F", OPT_ABOVE(0, 1), .only_with = "schedule=multistep"},
        {"min-lr", OPT_FLOAT, &o.min_lr, "cosine floor (0)", "F", OPT_AT_LEAST(0), .note = "and at most --lr",
         .only_with = "schedule=cosine"},
        {"warmup", OPT_FLOAT, &o.warmup, "linear warm-up epochs from 0.1 x lr (0)", "E", OPT_AT_LEAST(0),
         .note = "and at most --epochs"},
        {"momentum", OPT_FLOAT, &o.momentum, "momentum (0.9)", "F", OPT_BELOW(0, 1)},
        {"nesterov", OPT_FLAG, &o.nesterov, "Nesterov momentum", NULL},
        {"weight-decay", OPT_FLOAT, &o.weight_decay, "weight decay (5e-4)", "F", OPT_AT_LEAST(0)},
        {"no-decay-bn-bias", OPT_FLAG, &o.no_decay_1d, "no weight decay on BN parameters and biases", NULL},
        {"label-smoothing", OPT_FLOAT, &o.smoothing, "label smoothing (0)", "F", OPT_BELOW(0, 1)},
        {"dropout", OPT_FLOAT, &o.dropout, "dropout before the classifier (default: the architecture's)", "P",
         OPT_BELOW(0, 1)},
        {"seed", OPT_INT, &o.seed, "seed of initialisation, data order and augmentation (0)", "S", OPT_SEED},
        {"threads", OPT_INT, &o.threads, "threads (default: all cores, shared by the ranks of a host)", "T",
         OPT_THREADS},
        {"sync-bn", OPT_FLAG, &o.sync_bn, "under mpirun: batch norm over the global batch, not each rank's shard", NULL},
        {"out", OPT_STRING, &o.out,
         "folder for checkpoint.safetensors, log.jsonl, final.safetensors, best.safetensors (runs/ARCH)", "DIR"},
        {"output", OPT_STRING, &o.output, "also write the final weights here", "W"},
        {"resume", OPT_STRING, &o.resume, "continue the run of this checkpoint", "CKPT"},
        {"eval-every", OPT_INT, &o.eval_every, "evaluate every E epochs (1)", "E", OPT_AT_LEAST(1)},
        {"checkpoint-every", OPT_INT, &o.checkpoint_every, "also checkpoint every N steps (0: epochs only)", "N",
         OPT_AT_LEAST(0), .note = "0: epochs only"},
        {"log-every", OPT_INT, &o.log_every, "log a step line every N steps (1)", "N", OPT_AT_LEAST(1)},
        {"max-steps", OPT_INT, &o.max_steps, "stop (with a checkpoint) after N steps in all", "N", OPT_AT_LEAST(0),
         .note = "0: no limit"},
        {"extend", OPT_FLAG, &o.extend, "with --resume: allow more --epochs than the checkpoint's run had", NULL,
         .only_with = "resume"},
        {"allow-changes", OPT_FLAG, &o.allow_changes,
         "with --resume: go on although options differ from the checkpoint's (they are listed)", NULL,
         .only_with = "resume"},
        {"overwrite", OPT_FLAG, &o.overwrite, "a new run into an --out that holds another run's files: remove them", NULL},
        {"weights", OPT_STRING, &o.weights,
         "fine-tune: start from these weights (a classifier of another class count is replaced)", "W"},
        {"strict-data", OPT_FLAG, &o.strict_data,
         "stop before training when an image cannot be read (default: report it and leave it out)", NULL},
        {"reset-head", OPT_FLAG, &o.reset_head, "with --weights: a new classifier even when the classes match", NULL,
         .only_with = "weights"},
        {"freeze", OPT_STRING, &o.freeze,
         "leave these stages as they are, BN statistics too: stem,layer1,... (a leading run) | all", "LIST"},
        {"head-lr-mult", OPT_FLOAT, &o.head_lr_mult, "the classifier's learning rate is --lr x this (1)", "F",
         OPT_ABOVE(0, 1e6)},
    };
    int rc = parse_options("train", "--arch A --data PATH [options] | --weights W --data PATH [options]", specs,
                           sizeof specs / sizeof *specs, argc, argv, 2);
    if (rc)
        return rc > 0 ? 0 : 2;
    senet_config cfg;
    senet_model_info info; /* --weights' metadata: its architecture, SE options and normalisation */
    if ((rc = model_config("train", &net, o.weights, 1, &cfg, &info)))
        return rc;
    if (apply_threads("train", parallel_default_threads(o.threads)))
        return 2;
    if (o.weights && !o.data.normalize && info.normalize[0])
        o.data.normalize = info.normalize; /* the input the weights were trained on */
    /* The ranges of single options are checked as they are parsed; these depend on two. */
    if (o.warmup > o.epochs) {
        fprintf(stderr, "senet train: --warmup %g is out of range (0..--epochs, here %ld)\n", o.warmup, o.epochs);
        return 2;
    }
    if (o.min_lr > o.lr) {
        fprintf(stderr, "senet train: --min-lr %g is out of range (0..--lr, here %g)\n", o.min_lr, o.lr);
        return 2;
    }
    if (o.nesterov && o.momentum == 0) {
        fprintf(stderr, "senet train: --nesterov needs a --momentum above 0\n");
        return 2;
    }
    if (input_size_side("train", &o.size, &o.data.input_size))
        return 2;
    if (o.dropout >= 0)
        cfg.dropout = (float)o.dropout;
    o.data.split_seed = (uint64_t)o.seed;
    run r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.cfg = &cfg;
    r.sgd = (senet_sgd_options){(float)o.lr,  (float)o.momentum,   (float)o.weight_decay,
                                o.nesterov,   o.no_decay_1d,       (float)o.head_lr_mult};
    if (parse_schedule(&o, &r.schedule))
        return 2;
    parallel_init(&r.par, o.sync_bn);
    if (parallel_check_command("train", argc, argv))
        return 2;
    if (o.batch < r.par.world) {
        if (r.par.rank == 0)
            fprintf(stderr, "senet train: --batch %ld is smaller than the %d ranks\n", o.batch, r.par.world);
        parallel_failed_together = 1;
        return 2;
    }
    char default_out[64];
    snprintf(default_out, sizeof default_out, "runs/%s", cfg.arch);
    const char *out = o.out ? o.out : default_out;
    if (r.par.rank == 0 && make_dir(out)) {
        fprintf(stderr, "senet train: cannot create the folder %s: %s\n", out, strerror(errno));
        return 1;
    }
    snprintf(r.checkpoint_path, sizeof r.checkpoint_path, "%s/checkpoint.safetensors", out);
    snprintf(r.log_path, sizeof r.log_path, "%s/log.jsonl", out);
    snprintf(r.final_path, sizeof r.final_path, "%s/final.safetensors", out);
    snprintf(r.best_path, sizeof r.best_path, "%s/best.safetensors", out);
    r.best_top1 = -1;
    if (!o.resume && r.par.rank == 0 && claim_out(&r, out))
        return 2;
    int status = 1;
    int64_t epoch = 0, batch = 0, step = 0;
    if ((rc = open_data(&r, &cfg, net.num_classes ? "given" : NULL))) {
        status = rc > 0 ? rc : 1;
        goto done;
    }
    if (parallel_check_same(data_hash(r.train_set, r.test_set), "the training and test data"))
        goto done;
    if (!(r.net = open_net("train", &cfg, NULL)) || senet_net_init(r.net, (uint64_t)o.seed))
        goto done;
    r.cfg = senet_net_config(r.net);
    if (parse_freeze("train", o.freeze, r.net, &r.frozen_stages)) {
        status = 2;
        goto done;
    }
    if (o.weights && !o.resume && load_start(&r, &info))
        goto done; /* a resumed run's weights are the checkpoint's */
    if (o.resume) {
        senet_checkpoint_info info;
        int s = senet_checkpoint_load(r.net, o.resume, &info);
        if (s) {
            cli_error("train", "cannot resume", s);
            goto done;
        }
        if (info.seed != (uint64_t)o.seed) {
            fprintf(stderr, "senet train: %s was written with --seed %llu; pass the same seed to resume it\n",
                    o.resume, (unsigned long long)info.seed);
            goto done;
        }
        epoch = info.epoch, batch = info.batch, step = info.step;
        r.best_top1 = best_so_far(r.best_path, epoch);
        if (parallel_check_same(checkpoint_hash(r.net, &info), "the checkpoint to resume"))
            goto done;
        r.last_good = o.resume;
        if (r.par.rank == 0)
            fprintf(stderr, "senet train: resuming %s at epoch %lld, batch %lld, step %lld\n", o.resume,
                (long long)epoch + 1, (long long)batch, (long long)step);
    }
    /* after the resume, whose load brings the checkpoint's own entries */
    run_record rec;
    record_options(&r, r.cfg, &rec);
    char *options_json = run_record_json(&rec);
    if (!options_json) {
        cli_error("train", "", SENET_ERR_NOMEM);
        goto done;
    }
    int checked = o.resume ? check_resume(&r, &rec, epoch + (double)batch / loader_num_batches(r.train_loader)) : 0;
    if (!checked && (describe_files(&r, argc, argv) || senet_net_set_metadata(r.net, "train_options", options_json)))
        checked = 1;
    if (checked) {
        free(options_json);
        status = checked;
        goto done;
    }
    if ((status = senet_net_freeze_stages(r.net, r.frozen_stages))) {
        cli_error("train", "--freeze", status);
        status = 1;
        goto done;
    }
    status = 1;
    if (parallel_attach(&r.par, r.net)) {
        cli_error("train", "cannot set up the ranks", SENET_ERR_IO);
        goto done;
    }
    if (r.par.rank == 0 && !(r.log = fopen(r.log_path, o.resume ? "a" : "w"))) {
        fprintf(stderr, "senet train: cannot write %s: %s\n", r.log_path, strerror(errno));
        free(options_json);
        goto done;
    }
    if (r.log) { /* the run's options: the first line of a new log, a "resume" line in a continued one */
        fprintf(r.log, "{\"type\": \"%s\", \"epoch\": %lld, \"step\": %lld, \"options\": %s}\n",
                o.resume ? "resume" : "options", (long long)epoch, (long long)step, options_json);
        fflush(r.log);
    }
    free(options_json);
    if (r.par.rank == 0) {
        char images[32], classes[32], epochs[32], batches[32];
        fprintf(stderr, "senet train: %s on %s (%s, %s), %s of %s of %ld, %s\n"
                        "senet train: %s\n",
                r.cfg->arch, o.data.path, plural(images, sizeof images, dataset_count(r.train_set), "image"),
                plural(classes, sizeof classes, r.cfg->num_classes, "class"), plural(epochs, sizeof epochs, o.epochs,
                "epoch"), plural(batches, sizeof batches, loader_num_batches(r.train_loader), "batch"), o.batch, out,
                r.augmentation);
        if (r.frozen_stages || o.head_lr_mult != 1) {
            char frozen[64];
            freeze_describe(r.frozen_stages, frozen, sizeof frozen);
            fprintf(stderr, "senet train: frozen: %s%s; the classifier learns at %g x --lr\n", frozen,
                    r.frozen_stages ? " (weights and BN statistics)" : "", o.head_lr_mult);
        }
        if (r.par.world > 1)
            fprintf(stderr, "senet train: %d ranks (%s), %d thread%s each, batch norm %s\n", r.par.world,
                    dist_library(), senet_get_threads(), senet_get_threads() == 1 ? "" : "s", o.sync_bn ? "synced over all ranks" : "per rank");
    }
    progress_init(&r.bar, 50);
    if (r.par.rank != 0)
        r.bar.tty = 0; /* under mpirun a rank's stderr may be a terminal too: only rank 0 draws */
    int64_t first_step = step;
    int stopped = 0;
    if (o.resume && finish_pending_epoch(&r, epoch, batch, step))
        goto done;
    for (; epoch < o.epochs && !stopped; epoch++, batch = 0)
        if (run_epoch(&r, epoch, batch, &step, &stopped))
            goto done;
    report_communication(&r.par, step - first_step);
    if (!stopped && r.par.rank == 0) {
        int s = senet_net_save(r.net, r.final_path);
        if (!s && o.output)
            s = senet_net_save(r.net, o.output);
        if (s) {
            cli_error("train", "cannot write the final weights", s);
            goto done;
        }
        fprintf(stderr, "senet train: final weights in %s%s%s\n", r.final_path, o.output ? " and " : "",
                o.output ? o.output : "");
    }
    status = 0;
done:
    free_run(&r);
    return status;
}
