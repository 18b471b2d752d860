// OpenBLAS: CBLAS from <cblas.h>, LAPACK through its Fortran ABI (libopenblas exports LAPACK itself).
// Fortran ABI: every argument by pointer, 32-bit int, and one hidden trailing size_t length per char* argument.
#ifndef CANDOR_OPENBLAS_SHIM_H
#define CANDOR_OPENBLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>

/// Solves A·X = B for symmetric positive definite A by Cholesky (A and B column-major, overwritten).
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info, size_t uplo_len);

/// Least squares min ‖A·X − B‖ by QR (column-major, overwritten).
void dgels_(const char *trans, const int *m, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, double *work, const int *lwork, int *info, size_t trans_len);

#endif
