/* The floor of KernelSHAP's model evaluations for the bench MLP (bench/explain.py): for each explained row, each
 * coalition and each background row, build the synthetic row (the coalition's features from the explained row, the
 * rest from the background row), run the MLP forward (h = relu(b1 + sum of the features' first-layer terms), out =
 * h W2 + b2) and average sigmoid(out) over the background rows. The rows come pre-encoded (numeric features
 * standardized, categories as the index of their W1 row), as a reader would leave them once per row.
 *
 * Usage: kernelshap_floor INPUT REPEATS OUT. INPUT (text, from bench/floor.py): F numeric H B R C inputs, then
 * W1 (inputs rows of H), b1, W2, b2, the B background rows, the R explained rows (F values each: numeric z, then W1 row
 * indices), the C coalitions (F 0/1 each). Writes the R x C averages to OUT; prints the best time of REPEATS runs
 * and ns per synthetic row.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The model's shape is fixed at compile time (-D to change), as a hand-written kernel would be; INPUT must match. */
#ifndef HIDDEN
#define HIDDEN 16
#endif
#ifndef FEATURES
#define FEATURES 12
#endif
#ifndef NUMERIC
#define NUMERIC 6
#endif
/* The hidden layer in explicit SIMD vectors (GCC/Clang vector extensions): gcc's auto-vectorization of the same
 * loops over 16 units was 4-5x slower. */
#ifdef __AVX512F__
#define LANES 8
#else
#define LANES 4
#endif
typedef double vec __attribute__((vector_size(LANES * 8), aligned(8)));
typedef long long ivec __attribute__((vector_size(LANES * 8), aligned(8)));
_Static_assert(HIDDEN % LANES == 0, "HIDDEN must be a multiple of the vector width");

static double *read_doubles(FILE *in, size_t n) {
  double *v = malloc(n * sizeof *v);
  for (size_t i = 0; i < n; i++)
    if (fscanf(in, "%lf", &v[i]) != 1) { fprintf(stderr, "short input\n"); exit(1); }
  return v;
}

/* exp(x) for x in [-708, 708], branch-free so the loop over background rows vectorizes: x = k ln2 + r,
 * |r| <= ln2/2, exp(r) by its Taylor series to degree 13 (error < 1e-16 relative), times 2^k built in the exponent. */
static inline double exp_vec(double x) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  double k = __builtin_rint(x * 1.44269504088896338700);
  double r = (x - k * ln2_hi) - k * ln2_lo;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  union { double d; int64_t i; } scale = { .i = ((int64_t)k + 1023) << 52 };
  return p * scale.d;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s INPUT REPEATS OUT\n", argv[0]); return 2; }
  FILE *in = fopen(argv[1], "r");
  if (!in) { perror(argv[1]); return 1; }
  enum { F = FEATURES, H = HIDDEN };
  int f_in, numeric_in, h_in, B, R, C, inputs;
  if (fscanf(in, "%d %d %d %d %d %d %d", &f_in, &numeric_in, &h_in, &B, &R, &C, &inputs) != 7) return 1;
  if (f_in != F || numeric_in != NUMERIC || h_in != H) { fprintf(stderr, "compiled for another shape\n"); return 1; }
  double *W1 = read_doubles(in, (size_t)inputs * H), *b1 = read_doubles(in, H), *W2 = read_doubles(in, H);
  double *b2 = read_doubles(in, 1);
  double *bg = read_doubles(in, (size_t)B * F), *rows = read_doubles(in, (size_t)R * F);
  double *masks_in = read_doubles(in, (size_t)C * F);
  fclose(in);
  enum { CATEGORICAL = F - NUMERIC };
  unsigned char *mask = malloc((size_t)C * F);
  for (size_t i = 0; i < (size_t)C * F; i++) mask[i] = masks_in[i] != 0;
  /* Numeric values and W1 row indices apart, as a reader would hold the columns. */
  double *bz = malloc((size_t)B * NUMERIC * sizeof *bz), *xz = malloc((size_t)R * NUMERIC * sizeof *xz);
  int *bi = malloc((size_t)B * CATEGORICAL * sizeof *bi), *xi = malloc((size_t)R * CATEGORICAL * sizeof *xi);
  for (int i = 0; i < B + R; i++) {
    const double *src = i < B ? bg + (size_t)i * F : rows + (size_t)(i - B) * F;
    double *z = i < B ? bz + (size_t)i * NUMERIC : xz + (size_t)(i - B) * NUMERIC;
    int *c = i < B ? bi + (size_t)i * CATEGORICAL : xi + (size_t)(i - B) * CATEGORICAL;
    for (int k = 0; k < NUMERIC; k++) z[k] = src[k];
    for (int k = 0; k < CATEGORICAL; k++) c[k] = (int)src[NUMERIC + k];
  }
  vec *W1v = aligned_alloc(64, (size_t)inputs * H * 8), *W2v = aligned_alloc(64, H * 8);
  memcpy(W1v, W1, (size_t)inputs * H * 8);
  memcpy(W2v, W2, H * 8);
  double *out = malloc((size_t)R * C * sizeof *out), best = INFINITY;
  double *logit = malloc((size_t)B * sizeof *logit);
  int repeats = atoi(argv[2]);

  for (int rep = 0; rep < repeats; rep++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < R; r++) {
      const double *x = xz + (size_t)r * NUMERIC;
      const int *xc = xi + (size_t)r * CATEGORICAL;
      for (int c = 0; c < C; c++) {
        const unsigned char *m = mask + (size_t)c * F;
        for (int b = 0; b < B; b++) {
          /* The synthetic row, feature by feature straight into the first layer: each value picked from the
           * explained row or the background row by the coalition's 0/1 (a load, not a branch). */
          const double *pick[2] = {bz + (size_t)b * NUMERIC, x};
          const int *pick_index[2] = {bi + (size_t)b * CATEGORICAL, xc};
          vec h[H / LANES];
          memcpy(h, b1, sizeof h);
          for (int k = 0; k < NUMERIC; k++) {
            double value = pick[m[k]][k];
            for (int q = 0; q < H / LANES; q++) h[q] += value * W1v[k * (H / LANES) + q];
          }
          for (int k = 0; k < CATEGORICAL; k++) {
            const vec *row = W1v + (size_t)pick_index[m[NUMERIC + k]][k] * (H / LANES);
            for (int q = 0; q < H / LANES; q++) h[q] += row[q];
          }
          vec sum = {0}, zero = {0};
          for (int q = 0; q < H / LANES; q++) sum += (vec)((ivec)h[q] & (h[q] > zero)) * W2v[q];  /* ReLU */
          double o = b2[0];
          for (int l = 0; l < LANES; l++) o += sum[l];
          logit[b] = o;
        }
        double sum = 0;
        for (int b = 0; b < B; b++) {
          double t = -logit[b];
          t = t < -708 ? -708 : (t > 708 ? 708 : t);
          sum += 1.0 / (1.0 + exp_vec(t));
        }
        out[(size_t)r * C + c] = sum / B;
      }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (seconds < best) best = seconds;
  }
  FILE *o = fopen(argv[3], "w");
  for (size_t i = 0; i < (size_t)R * C; i++) fprintf(o, "%.17g\n", out[i]);
  fclose(o);
  double synthetic = (double)R * C * B;
  printf("%.6f s %.0f synthetic rows %.2f ns/row\n", best, synthetic, best / synthetic * 1e9);
  return 0;
}
