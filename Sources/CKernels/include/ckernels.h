#ifndef CANDOR_CKERNELS_H
#define CANDOR_CKERNELS_H

/// 1 when this CPU has AVX2 and FMA, so the *_avx2 kernels may run; 0 otherwise (callers take their portable path).
int candor_kernels_have_avx2_fma(void);

/// out[r] = sigmoid(bias + Σ_u max(hidden[r·width + u], 0) · weights[u]) for r < rows: a one-hidden-layer binary
/// network's output from its hidden pre-activations. Four rows at a time, the sigmoid's exp by
/// candor_exp_avx2's polynomial; every row gets the same arithmetic wherever it sits in the batch.
void candor_relu_dot_sigmoid_avx2(const double *hidden, long rows, long width, const double *weights, double bias,
                                  double *out);

/// (The kernels' exp on its own, for tests.) out[i] = exp(x[i]) for x[i] <= 0, within 2 ulp of the correctly rounded value; below -708 (where the result
/// is subnormal or 0) libm's exp.
void candor_exp_avx2(const double *x, long count, double *out);

#endif
