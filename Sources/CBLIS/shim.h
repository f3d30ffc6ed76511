// The standard CBLAS interface (Netlib cblas.h: enum values and cblas_sgemm's signature), served by BLIS
// (Debian's libblis-serial-dev, a 32-bit-integer build). Declared here rather than by including blis.h,
// whose feature macros make its system-header definitions clash with Swift's Glibc module.
// BLIS picks its kernels from the CPU's features at run time; OpenBLAS 0.3.21 fell back to SSE3
// ("Prescott") kernels on this machine's AVX-512 Xeon and ran 3-4x slower.
#ifndef GENRE_CBLAS_SHIM_H
#define GENRE_CBLAS_SHIM_H

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE transA, enum CBLAS_TRANSPOSE transB,
                 int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc);

// BLIS's own version string, e.g. "0.9.0" (from blis.h).
const char *bli_info_get_version_str(void);

// The kernel set BLIS chose for this processor at run time (blis.h's arch_t, an enum, passed as int) and
// its name, e.g. "skx", "zen3", or "generic" for a processor this BLIS does not know.
int bli_arch_query_id(void);
const char *bli_arch_string(int id);

#endif
