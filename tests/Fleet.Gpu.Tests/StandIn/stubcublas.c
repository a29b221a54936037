/* A stand-in libcublas.so.13 that logs every argument Fleet passes (one key=value line per call, stublog.h) and computes
   small products on the host memory that stands in for device memory. STUB_CUBLAS_FAIL="call=status,..." makes calls fail.
   Build: gcc -shared -fPIC -Wl,-soname,libcublas.so.13 -o libcublas.so.13 stubcublas.c -lm */
#include "stublog.h"
#include "stubmath.h"
#define LOG(...) stub_log("stubcublas", __VA_ARGS__)
#define FAIL(call) do { int _c = stub_fail_code(getenv("STUB_CUBLAS_FAIL"), call); if (_c) { LOG("%s -> %d (STUB_CUBLAS_FAIL)", call, _c); return _c; } } while (0)
int cublasCreate_v2(void **h) { FAIL("cublasCreate_v2"); *h = (void *)0x2000; LOG("cublasCreate_v2"); return 0; }
int cublasDestroy_v2(void *h) { LOG("cublasDestroy_v2"); return 0; }
int cublasSetStream_v2(void *h, void *s) { LOG("cublasSetStream_v2 stream=%p", s); return 0; }
int cublasSetMathMode(void *h, int m) { LOG("cublasSetMathMode mode=%d", m); return 0; }
int cublasGetVersion_v2(void *h, int *v) { *v = 130000; return 0; }
int cublasGemmEx(void *h, int ta, int tb, int m, int n, int k, const void *alpha, const void *A, int at, int lda,
                 const void *B, int bt, int ldb, const void *beta, void *C, int ct, int ldc, int compute, int algo) {
  FAIL("cublasGemmEx");
  double a = compute == 70 ? *(const double *)alpha : compute == 64 ? from_half(*(const uint16_t *)alpha) : *(const float *)alpha;
  double b = compute == 70 ? *(const double *)beta : compute == 64 ? from_half(*(const uint16_t *)beta) : *(const float *)beta;
  /* anz/bnz: nonzero elements of the stored A (ta ? k x m : m x k) and B (tb ? n x k : k x n), read before the product */
  long long anz = stub_nonzero(A, at, ta ? k : m, ta ? m : k, lda), bnz = stub_nonzero(B, bt, tb ? n : k, tb ? k : n, ldb);
  int computed = stub_gemm(ta, tb, m, n, k, a, A, at, lda, B, bt, ldb, b, C, ct, ldc, C, ct, ldc);
  LOG("cublasGemmEx ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g A=%p atype=%d lda=%d B=%p btype=%d ldb=%d C=%p ctype=%d ldc=%d compute=%d algo=%d anz=%lld bnz=%lld computed=%d",
      ta, tb, m, n, k, a, b, A, at, lda, B, bt, ldb, C, ct, ldc, compute, algo, anz, bnz, computed);
  return 0; }
/* Float scalars only (32F compute types), as Fleet calls it; each product of the batch is computed when small. */
int cublasGemmStridedBatchedEx(void *h, int ta, int tb, int m, int n, int k, const float *alpha, const void *A, int at, int lda, long long sa,
                               const void *B, int bt, int ldb, long long sb, const float *beta, void *C, int ct, int ldc, long long sc,
                               int batch, int compute, int algo) {
  FAIL("cublasGemmStridedBatchedEx");
  int computed = (long long)m * n * k * batch <= (1LL << 24);
  for (int i = 0; computed && i < batch; i++)
    stub_gemm(ta, tb, m, n, k, *alpha, (const char *)A + i * sa * stub_size(at), at, lda, (const char *)B + i * sb * stub_size(bt), bt, ldb,
              *beta, (const char *)C + i * sc * stub_size(ct), ct, ldc, (char *)C + i * sc * stub_size(ct), ct, ldc);
  LOG("cublasGemmStridedBatchedEx ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g A=%p atype=%d lda=%d strideA=%lld B=%p btype=%d ldb=%d strideB=%lld C=%p ctype=%d ldc=%d strideC=%lld batch=%d compute=%d algo=%d computed=%d",
      ta, tb, m, n, k, *alpha, *beta, A, at, lda, sa, B, bt, ldb, sb, C, ct, ldc, sc, batch, compute, algo, computed);
  return 0; }
