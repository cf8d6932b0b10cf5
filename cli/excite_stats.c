/* senet excite's statistics: sums of the gates per class and over all
 * images, then means, deviations, class-specificity and saturation (their
 * definitions in excite.h), printed as a table or JSON. Sums are in double:
 * a mean over thousands of gates in [0, 1] loses nothing that matters. */
#include "excite.h"

#include "base/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int excite_block_alloc(excite_block *b, int classes)
{
    size_t kc = (size_t)classes * b->channels, c = (size_t)b->channels;
    b->sum = calloc(kc, sizeof(double));
    b->sumsq = calloc(kc, sizeof(double));
    b->mean = calloc(kc, sizeof(double));
    b->std = calloc(kc, sizeof(double));
    b->all_sum = calloc(c, sizeof(double));
    b->all_sumsq = calloc(c, sizeof(double));
    b->all_mean = calloc(c, sizeof(double));
    b->all_std = calloc(c, sizeof(double));
    return b->sum && b->sumsq && b->mean && b->std && b->all_sum && b->all_sumsq && b->all_mean && b->all_std ? 0 : -1;
}

void excite_block_free(excite_block *b)
{
    free(b->sum);
    free(b->sumsq);
    free(b->mean);
    free(b->std);
    free(b->all_sum);
    free(b->all_sumsq);
    free(b->all_mean);
    free(b->all_std);
}

void excite_add(excite_block *b, const float *gates, int cls)
{
    int c = b->channels;
    double *sum = cls >= 0 ? b->sum + (size_t)cls * c : NULL, *sumsq = cls >= 0 ? b->sumsq + (size_t)cls * c : NULL;
    for (int j = 0; j < c; j++) {
        double g = gates[j];
        b->all_sum[j] += g;
        b->all_sumsq[j] += g * g;
        b->above += g > EXCITE_SAT_HIGH;
        b->below += g < EXCITE_SAT_LOW;
        if (sum) {
            sum[j] += g;
            sumsq[j] += g * g;
        }
    }
}

/* mean and population standard deviation from n, sum and sum of squares */
static void moments(double n, double sum, double sumsq, double *mean, double *std)
{
    *mean = n > 0 ? sum / n : NAN;
    double var = n > 0 ? sumsq / n - *mean * *mean : NAN;
    *std = n > 0 ? sqrt(var > 0 ? var : 0) : NAN;
}

/* Pearson's r across channels of x and y (C each); NaN when either is flat. */
static double correlation(const double *x, const double *y, int c)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int j = 0; j < c; j++)
        mx += x[j] / c, my += y[j] / c;
    for (int j = 0; j < c; j++) {
        sxy += (x[j] - mx) * (y[j] - my);
        sxx += (x[j] - mx) * (x[j] - mx);
        syy += (y[j] - my) * (y[j] - my);
    }
    return sxx > 1e-12 && syy > 1e-12 ? sxy / sqrt(sxx * syy) : NAN;
}

/* The mean correlation of the chosen classes' mean gates with all images'. */
static double agreement(const excite_block *b, int classes)
{
    double sum = 0;
    for (int k = 0; k < classes; k++)
        sum += correlation(b->mean + (size_t)k * b->channels, b->all_mean, b->channels);
    return classes ? sum / classes : NAN;
}

int excite_finish(excite_run *r)
{
    for (int i = 0; i < r->num_blocks; i++) {
        excite_block *b = &r->blocks[i];
        int c = b->channels, k = r->num_classes;
        double total = 0;
        for (int j = 0; j < c; j++) {
            moments((double)r->all_images, b->all_sum[j], b->all_sumsq[j], &b->all_mean[j], &b->all_std[j]);
            total += b->all_mean[j];
        }
        b->overall_mean = total / c;
        for (int cls = 0; cls < k; cls++)
            for (int j = 0; j < c; j++) {
                size_t at = (size_t)cls * c + j;
                moments((double)r->class_images[cls], b->sum[at], b->sumsq[at], &b->mean[at], &b->std[at]);
            }
        /* between: the variance of the class means across classes; within:
         * the classes' variances; both averaged over the channels */
        double between = 0, within = 0;
        for (int j = 0; j < c && k > 1; j++) {
            double m = 0, v = 0, w = 0;
            for (int cls = 0; cls < k; cls++)
                m += b->mean[(size_t)cls * c + j] / k;
            for (int cls = 0; cls < k; cls++) {
                double d = b->mean[(size_t)cls * c + j] - m, s = b->std[(size_t)cls * c + j];
                v += d * d / k;
                w += s * s / k;
            }
            between += v / c;
            within += w / c;
        }
        /* below 1e-12 a variance is the rounding of the sums: a gate that is
         * the same for every image (an SE whose hidden units never fire) has
         * no class-specificity, rather than 0/0 */
        const double floor = 1e-12;
        b->specificity = k < 2 ? NAN : within > floor ? sqrt(between / within) : between > floor ? INFINITY : 0;
        b->agreement = agreement(b, k);
        double values = (double)r->all_images * c;
        b->sat_high = values > 0 ? b->above / values : NAN;
        b->sat_low = values > 0 ? b->below / values : NAN;
    }
    return 0;
}

int excite_sample_channels(excite_run *r, int count, uint64_t seed)
{
    r->num_sampled = count;
    r->sampled = calloc((size_t)r->num_blocks, sizeof *r->sampled);
    if (!r->sampled)
        return -1;
    for (int i = 0; i < r->num_blocks; i++) {
        int c = r->blocks[i].channels, take = count < c ? count : c;
        int *all = malloc((size_t)c * sizeof *all);
        if (!all)
            return -1;
        for (int j = 0; j < c; j++)
            all[j] = j;
        /* the first `take` of a seeded Fisher-Yates shuffle, one stream a block */
        rng g;
        rng_seed(&g, seed * 1000003u + (uint64_t)i);
        for (int j = 0; j < take; j++) {
            int pick = j + (int)(rng_next(&g) % (uint64_t)(c - j));
            int t = all[j];
            all[j] = all[pick];
            all[pick] = t;
        }
        for (int a = 1; a < take; a++) /* ascending, so the x axis follows the channel order */
            for (int b = a; b > 0 && all[b - 1] > all[b]; b--) {
                int t = all[b];
                all[b] = all[b - 1];
                all[b - 1] = t;
            }
        r->sampled[i] = all;
    }
    return 0;
}

void excite_run_free(excite_run *r)
{
    for (int i = 0; i < r->num_blocks; i++) {
        excite_block_free(&r->blocks[i]);
        if (r->sampled)
            free(r->sampled[i]);
    }
    free(r->sampled);
    free(r->blocks);
    free((void *)r->class_names);
    free(r->class_images);
    memset(r, 0, sizeof *r);
}

void excite_print_text(FILE *out, const excite_run *r)
{
    fprintf(out, "%lld images, %d classes\n\n", (long long)r->all_images, r->num_classes);
    fprintf(out, "%-24s %-8s %8s %13s %10s %10s %10s %8s\n", "SE block", "paper", "channels", "class-specif.",
            "agreement", "gate>0.99", "gate<0.01", "mean");
    for (int i = 0; i < r->num_blocks; i++) {
        const excite_block *b = &r->blocks[i];
        fprintf(out, "%-24s %-8s %8d %13.3f %10.3f %9.2f%% %9.2f%% %8.3f\n", b->name, b->paper_name, b->channels,
                b->specificity, b->agreement, 100 * b->sat_high, 100 * b->sat_low, b->overall_mean);
    }
}

/* A number for JSON: NaN and infinities are null. */
static void put_number(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.7g", v);
    else
        fputs("null", out);
}

static void put_array(FILE *out, const double *v, int n)
{
    fputc('[', out);
    for (int j = 0; j < n; j++) {
        if (j)
            fputs(", ", out);
        put_number(out, v[j]);
    }
    fputc(']', out);
}

static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", *s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

void excite_print_json(FILE *out, const excite_run *r, const char *arch, const char *images_per_class)
{
    fputs("{\"arch\": ", out);
    put_string(out, arch);
    fputs(", \"images_per_class\": ", out);
    if (strcmp(images_per_class, "all") == 0)
        fputs("\"all\"", out);
    else
        fputs(images_per_class, out);
    fprintf(out, ", \"images\": %lld, \"classes\": [", (long long)r->all_images);
    for (int k = 0; k < r->num_classes; k++) {
        fputs(k ? ", " : "", out);
        put_string(out, r->class_names[k]);
    }
    fputs("], \"blocks\": [", out);
    for (int i = 0; i < r->num_blocks; i++) {
        const excite_block *b = &r->blocks[i];
        fputs(i ? ",\n  {" : "\n  {", out);
        fputs("\"name\": ", out);
        put_string(out, b->name);
        fputs(", \"paper_name\": ", out);
        put_string(out, b->paper_name);
        fprintf(out, ", \"stage\": %d, \"block\": %d, \"channels\": %d, \"per_class\": {", b->stage, b->block,
                b->channels);
        for (int k = 0; k < r->num_classes; k++) {
            fputs(k ? ", " : "", out);
            put_string(out, r->class_names[k]);
            fprintf(out, ": {\"n\": %lld, \"mean\": ", (long long)r->class_images[k]);
            put_array(out, b->mean + (size_t)k * b->channels, b->channels);
            fputs(", \"std\": ", out);
            put_array(out, b->std + (size_t)k * b->channels, b->channels);
            fputs("}", out);
        }
        fprintf(out, "}, \"all\": {\"n\": %lld, \"mean\": ", (long long)r->all_images);
        put_array(out, b->all_mean, b->channels);
        fputs(", \"std\": ", out);
        put_array(out, b->all_std, b->channels);
        fputs("}, \"sampled_channels\": [", out);
        int take = r->num_sampled < b->channels ? r->num_sampled : b->channels;
        for (int j = 0; j < take; j++)
            fprintf(out, "%s%d", j ? ", " : "", r->sampled[i][j]);
        fputs("], \"class_specificity\": ", out);
        put_number(out, b->specificity);
        fputs(", \"class_agreement\": ", out);
        put_number(out, b->agreement);
        fputs(", \"saturation\": {\"above_0.99\": ", out);
        put_number(out, b->sat_high);
        fputs(", \"below_0.01\": ", out);
        put_number(out, b->sat_low);
        fputs("}, \"mean\": ", out);
        put_number(out, b->overall_mean);
        fputs("}", out);
    }
    fputs("\n], \"summary\": {\"blocks\": [", out);
    for (int i = 0; i < r->num_blocks; i++) {
        fputs(i ? ", " : "", out);
        put_string(out, r->blocks[i].paper_name);
    }
    static const char *const keys[] = {"class_specificity", "class_agreement", "saturation_above_0.99",
                                       "saturation_below_0.01", "mean"};
    for (int q = 0; q < 5; q++) {
        fprintf(out, "], \"%s\": [", keys[q]);
        for (int i = 0; i < r->num_blocks; i++) {
            const excite_block *b = &r->blocks[i];
            double v = q == 0 ? b->specificity : q == 1 ? b->agreement : q == 2 ? b->sat_high : q == 3 ? b->sat_low
                                                                                                    : b->overall_mean;
            fputs(i ? ", " : "", out);
            put_number(out, v);
        }
    }
    fputs("]}}\n", out);
}
