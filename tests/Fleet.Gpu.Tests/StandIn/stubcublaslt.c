/* A stand-in libcublasLt.so.13 that logs every argument (key=value lines, stublog.h) and computes small products.
   STUB_CUBLASLT_FAIL="call=status,..." makes calls fail.
   Build: gcc -shared -fPIC -Wl,-soname,libcublasLt.so.13 -o libcublasLt.so.13 stubcublaslt.c -lm */
#include "stublog.h"
#include "stubmath.h"
#define LOG(...) stub_log("stubcublasLt", __VA_ARGS__)
#define FAIL(call) do { int _c = stub_fail_code(getenv("STUB_CUBLASLT_FAIL"), call); if (_c) { LOG("%s -> %d (STUB_CUBLASLT_FAIL)", call, _c); return _c; } } while (0)
typedef struct { int type; uint64_t rows, cols; int64_t ld; } layout;
typedef struct { int compute, scale, ta, tb; } desc;
typedef struct { uint64_t workspace; } pref;
int cublasLtCreate(void **h) { FAIL("cublasLtCreate"); *h = (void *)0x3000; LOG("cublasLtCreate"); return 0; }
int cublasLtDestroy(void *h) { return 0; }
int cublasLtMatmulDescCreate(desc **d, int compute, int scale) { FAIL("cublasLtMatmulDescCreate"); *d = calloc(1, sizeof(desc)); (*d)->compute = compute; (*d)->scale = scale; return 0; }
int cublasLtMatmulDescSetAttribute(desc *d, int attr, const void *buf, size_t size) {
  if (attr == 3) d->ta = *(const int *)buf; else if (attr == 4) d->tb = *(const int *)buf;
  LOG("cublasLtMatmulDescSetAttribute attr=%d size=%zu value=%d", attr, size, size >= 4 ? *(const int *)buf : -1); return 0; }
int cublasLtMatmulDescDestroy(desc *d) { free(d); return 0; }
int cublasLtMatrixLayoutCreate(layout **l, int type, uint64_t rows, uint64_t cols, int64_t ld) {
  *l = calloc(1, sizeof(layout)); (*l)->type = type; (*l)->rows = rows; (*l)->cols = cols; (*l)->ld = ld; return 0; }
int cublasLtMatrixLayoutDestroy(layout *l) { free(l); return 0; }
int cublasLtMatmulPreferenceCreate(pref **p) { *p = calloc(1, sizeof(pref)); return 0; }
int cublasLtMatmulPreferenceSetAttribute(pref *p, int attr, const void *buf, size_t size) {
  if (attr == 1 && size == 8) p->workspace = *(const uint64_t *)buf; /* CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES */
  LOG("cublasLtMatmulPreferenceSetAttribute attr=%d size=%zu", attr, size); return 0; }
int cublasLtMatmulPreferenceDestroy(pref *p) { free(p); return 0; }
/* cublasLtMatmulHeuristicResult_t is 96 bytes; the stand-in's "algorithm" is all zeros and needs no workspace. */
int cublasLtMatmulAlgoGetHeuristic(void *h, desc *d, layout *a, layout *b, layout *c, layout *dl, pref *p, int req, void *results, int *count) {
  FAIL("cublasLtMatmulAlgoGetHeuristic");
  memset(results, 0, 96 * (size_t)(req > 0 ? 1 : 0)); *count = req > 0 ? 1 : 0;
  LOG("cublasLtMatmulAlgoGetHeuristic requested=%d workspace=%llu", req, (unsigned long long)(p ? p->workspace : 0)); return 0; }
int cublasLtMatmul(void *h, desc *d, const float *alpha, const void *A, layout *la, const void *B, layout *lb, const float *beta,
                   const void *C, layout *lc, void *D, layout *ld, const void *algo, void *ws, size_t wss, void *stream) {
  FAIL("cublasLtMatmul");
  /* op(A) is m x k, op(B) is k x n, D is m x n */
  int64_t m = (int64_t)ld->rows, n = (int64_t)ld->cols, k = d->ta ? (int64_t)la->rows : (int64_t)la->cols;
  int computed = stub_gemm(d->ta, d->tb, m, n, k, *alpha, A, la->type, la->ld, B, lb->type, lb->ld, *beta, C, lc->type, lc->ld, D, ld->type, ld->ld);
  LOG("cublasLtMatmul compute=%d scale=%d ta=%d tb=%d alpha=%g beta=%g atype=%d arows=%lu acols=%lu lda=%ld btype=%d brows=%lu bcols=%lu ldb=%ld ctype=%d crows=%lu ccols=%lu dtype=%d drows=%lu dcols=%lu ldd=%ld cisd=%d algo=%d ws=%zu stream=%p computed=%d",
      d->compute, d->scale, d->ta, d->tb, *alpha, *beta, la->type, (unsigned long)la->rows, (unsigned long)la->cols, (long)la->ld,
      lb->type, (unsigned long)lb->rows, (unsigned long)lb->cols, (long)lb->ld, lc->type, (unsigned long)lc->rows, (unsigned long)lc->cols,
      ld->type, (unsigned long)ld->rows, (unsigned long)ld->cols, (long)ld->ld, C == D, algo != NULL, wss, stream, computed);
  return 0; }
