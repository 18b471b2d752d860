// Vector kernels for the hot loops of explanations, with AVX2 and FMA, compiled for those instructions only here
// (target attributes) and run only when the CPU has them (candor_kernels_have_avx2_fma); the Swift callers keep
// their portable path for every other CPU.
#include "ckernels.h"
#include "cpu.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <math.h>

int candor_kernels_have_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// exp(x) for -708 <= x <= 0 in four lanes (NaN stays NaN): x = k ln 2 + r with |r| <= ln 2 / 2 (Cody and Waite's
// two-part ln 2, the products exact by FMA), exp(r) by its Taylor polynomial of degree 13 (truncation below 1e-17
// there) in Horner form, and 2^k put into the exponent bits (k >= -1022, so the result is normal).
__attribute__((target("avx2,fma"))) static inline __m256d exp4(__m256d x) {
  const __m256d log2e = _mm256_set1_pd(1.4426950408889634), ln2hi = _mm256_set1_pd(6.93147180369123816490e-01),
                ln2lo = _mm256_set1_pd(1.90821492927058770002e-10);
  __m256d k = _mm256_round_pd(_mm256_mul_pd(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(k, ln2lo, _mm256_fnmadd_pd(k, ln2hi, x));
  static const double coefficients[14] = {1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800,
                                          1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24,
                                          1.0 / 6, 0.5, 1, 1};
  __m256d p = _mm256_set1_pd(coefficients[0]);
  for (int i = 1; i < 14; i++) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(coefficients[i]));
  __m256i exponent = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k));
  __m256i scale = _mm256_slli_epi64(_mm256_add_epi64(exponent, _mm256_set1_epi64x(1023)), 52);
  return _mm256_mul_pd(p, _mm256_castsi256_pd(scale));
}

// exp of four lanes at or below 0: lanes below -708 go to libm (their results are subnormal or 0).
__attribute__((target("avx2,fma"))) static inline __m256d exp4_nonpositive(__m256d x) {
  const __m256d floor = _mm256_set1_pd(-708.0);
  // max(floor, x) keeps a NaN lane NaN (MAXPD returns its second operand when either is NaN).
  __m256d e = exp4(_mm256_max_pd(floor, x));
  int low = _mm256_movemask_pd(_mm256_cmp_pd(x, floor, _CMP_LT_OQ));
  if (low) {
    double lanes[4], values[4];
    _mm256_storeu_pd(lanes, x);
    _mm256_storeu_pd(values, e);
    for (int j = 0; j < 4; j++) if (low & (1 << j)) values[j] = exp(lanes[j]);
    e = _mm256_loadu_pd(values);
  }
  return e;
}

__attribute__((target("avx2,fma"))) void candor_exp_avx2(const double *x, long count, double *out) {
  long i = 0;
  for (; i + 4 <= count; i += 4) _mm256_storeu_pd(out + i, exp4_nonpositive(_mm256_loadu_pd(x + i)));
  if (i < count) {
    double lanes[4] = {0, 0, 0, 0}, values[4];
    for (long j = i; j < count; j++) lanes[j - i] = x[j];
    _mm256_storeu_pd(values, exp4_nonpositive(_mm256_loadu_pd(lanes)));
    for (long j = i; j < count; j++) out[j] = values[j - i];
  }
}

// The pre-sigmoid sums of four rows as one vector: four independent accumulators over four units at a time (the
// ReLU'd hidden values times the weights), reduced across by two horizontal adds, the remaining units added per
// row. Lane j depends on row j alone, so a row's sum is the same wherever it sits.
__attribute__((target("avx2,fma"))) static inline __m256d four_sums(const double *const rows[4], long width,
                                                                   const double *weights, double bias) {
  const __m256d zero = _mm256_setzero_pd();
  __m256d a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  long u = 0;
  for (; u + 4 <= width; u += 4) {
    __m256d w = _mm256_loadu_pd(weights + u);
    // max(0, h) keeps a NaN NaN (MAXPD returns its second operand when either is NaN), as Swift's max(h, 0) does.
    a0 = _mm256_fmadd_pd(_mm256_max_pd(zero, _mm256_loadu_pd(rows[0] + u)), w, a0);
    a1 = _mm256_fmadd_pd(_mm256_max_pd(zero, _mm256_loadu_pd(rows[1] + u)), w, a1);
    a2 = _mm256_fmadd_pd(_mm256_max_pd(zero, _mm256_loadu_pd(rows[2] + u)), w, a2);
    a3 = _mm256_fmadd_pd(_mm256_max_pd(zero, _mm256_loadu_pd(rows[3] + u)), w, a3);
  }
  __m256d pairs01 = _mm256_hadd_pd(a0, a1), pairs23 = _mm256_hadd_pd(a2, a3);
  __m256d sums = _mm256_add_pd(_mm256_permute2f128_pd(pairs01, pairs23, 0x20), _mm256_permute2f128_pd(pairs01, pairs23, 0x31));
  if (u < width) {
    double rest[4] = {0, 0, 0, 0};
    for (int j = 0; j < 4; j++)
      for (long v = u; v < width; v++) rest[j] = fma(rows[j][v] > 0 || rows[j][v] != rows[j][v] ? rows[j][v] : 0, weights[v], rest[j]);
    sums = _mm256_add_pd(sums, _mm256_loadu_pd(rest));
  }
  return _mm256_add_pd(sums, _mm256_set1_pd(bias));
}

// sigmoid of four sums, as the portable path computes it: e = exp(-|z|), (z >= 0 ? 1 : e) / (1 + e).
__attribute__((target("avx2,fma"))) static inline __m256d sigmoid4(__m256d z) {
  const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1);
  __m256d e = exp4_nonpositive(_mm256_sub_pd(zero, _mm256_andnot_pd(_mm256_set1_pd(-0.0), z)));
  __m256d numerator = _mm256_blendv_pd(e, one, _mm256_cmp_pd(z, zero, _CMP_GE_OQ));
  return _mm256_div_pd(numerator, _mm256_add_pd(one, e));
}

__attribute__((target("avx2,fma"))) void candor_relu_dot_sigmoid_avx2(const double *hidden, long rows, long width,
                                                                      const double *weights, double bias, double *out) {
  for (long r = 0; r < rows; r += 4) {
    // A last group of fewer than four rows repeats its last row in the spare lanes, whose results are dropped.
    long n = rows - r < 4 ? rows - r : 4;
    const double *group[4];
    // (No offset at all when there are no units: an empty batch's storage may be a null pointer.)
    for (long j = 0; j < 4; j++) group[j] = width > 0 ? hidden + (r + (j < n ? j : n - 1)) * width : hidden;
    __m256d values = sigmoid4(four_sums(group, width, weights, bias));
    if (n == 4) {
      _mm256_storeu_pd(out + r, values);
    } else {
      double lanes[4];
      _mm256_storeu_pd(lanes, values);
      for (long j = 0; j < n; j++) out[r + j] = lanes[j];
    }
  }
}

// out[i] = x[i] + y[i], four lanes at a time (eight per step), then one at a time: the same additions as the
// scalar loop, so the same bits.
__attribute__((target("avx2"))) static void add_doubles_avx2(const double *x, const double *y, double *out, long count) {
  long i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm256_storeu_pd(out + i, _mm256_add_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i)));
    _mm256_storeu_pd(out + i + 4, _mm256_add_pd(_mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4)));
  }
  for (; i + 4 <= count; i += 4) _mm256_storeu_pd(out + i, _mm256_add_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i)));
  for (; i < count; i++) out[i] = x[i] + y[i];
}

#else

// Other architectures: no kernels; callers see 0 and keep their portable path, so these are never reached.
int candor_kernels_have_avx2_fma(void) { return 0; }

void candor_relu_dot_sigmoid_avx2(const double *hidden, long rows, long width, const double *weights, double bias,
                                  double *out) {
  (void)hidden; (void)rows; (void)width; (void)weights; (void)bias; (void)out;
}

void candor_exp_avx2(const double *x, long count, double *out) { (void)x; (void)count; (void)out; }

#endif

void candor_add_doubles(const double *x, const double *y, double *out, long count, int portable) {
#if defined(__x86_64__) || defined(__i386__)
  if (!portable && have_avx2()) {
    add_doubles_avx2(x, y, out, count);
    return;
  }
#endif
  (void)portable;
  for (long i = 0; i < count; i++) out[i] = x[i] + y[i];
}
