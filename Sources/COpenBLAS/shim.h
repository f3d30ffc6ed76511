// The standard CBLAS interface (Netlib cblas.h: enum values and cblas_sgemm's signature), served by OpenBLAS
// (Debian's libopenblas-serial-dev, a 32-bit-integer build with DYNAMIC_ARCH). Declared here rather than by
// including OpenBLAS's cblas.h, whose openblas_config.h brings typedefs and macros of its own into Swift.
// OpenBLAS picks its kernels from the processor at run time (OPENBLAS_CORETYPE overrides the choice); Debian 12's
// BLIS 0.9.0, used before, ran its portable generic kernels on AMD Zen 5, 3-5x slower (docs/benchmarks/gemm/).
#ifndef GENRE_CBLAS_SHIM_H
#define GENRE_CBLAS_SHIM_H

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE transA, enum CBLAS_TRANSPOSE transB,
                 int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc);

// The build, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell SINGLE_THREADED".
char *openblas_get_config(void);

// The kernel set chosen for this processor at run time, e.g. "Haswell", "Cooperlake", or "Prescott" (SSE3)
// for a processor this OpenBLAS does not recognise.
char *openblas_get_corename(void);

// 0 for the serial build, 1 for pthreads, 2 for OpenMP: which libopenblas.so.0 Debian's alternatives chose.
int openblas_get_parallel(void);

// The threads OpenBLAS itself may start per call; a no-op in the serial build.
void openblas_set_num_threads(int num_threads);

#endif
