/* Host arithmetic for the stand-in cuBLAS / cublasLt: "device" memory is host memory, so small products are computed for
   real (column-major, as cuBLAS defines them) and Fleet's result checks pass; large ones are logged and left alone. */
#ifndef FLEET_STUBMATH_H
#define FLEET_STUBMATH_H
#include <stdint.h>
#include <string.h>
#include <math.h>
enum { R32F = 0, R64F = 1, R16F = 2, R16BF = 14, R8F_E4M3 = 28, R8F_E5M2 = 29 };
static double from_half(uint16_t h) {
  int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
  return s ? -v : v; }
static double from_e4m3(uint8_t b) {
  int s = b >> 7, e = (b >> 3) & 15, m = b & 7;
  double v = (e == 15 && m == 7) ? NAN : e == 0 ? ldexp(m, -9) : ldexp(m + 8, e - 10);
  return s ? -v : v; }
static double stub_get(const void *p, int type, int64_t i) {
  switch (type) {
    case R32F: return ((const float *)p)[i];
    case R64F: return ((const double *)p)[i];
    case R16F: return from_half(((const uint16_t *)p)[i]);
    case R16BF: { uint32_t u = (uint32_t)((const uint16_t *)p)[i] << 16; float f; memcpy(&f, &u, 4); return f; }
    case R8F_E4M3: return from_e4m3(((const uint8_t *)p)[i]);
    default: return NAN; } }
static void stub_set(void *p, int type, int64_t i, double v) {
  switch (type) {
    case R32F: ((float *)p)[i] = (float)v; break;
    case R64F: ((double *)p)[i] = v; break;
    case R16BF: { float f = (float)v; uint32_t u; memcpy(&u, &f, 4); ((uint16_t *)p)[i] = (uint16_t)(u >> 16); break; }
    default: break; } }
__attribute__((unused)) static int stub_size(int type) { return type == R64F ? 8 : type == R32F ? 4 : type == R8F_E4M3 || type == R8F_E5M2 ? 1 : 2; }
/* Nonzero elements of a stored rows x cols column-major matrix (leading dimension ld): shows whether an operand is all zeros. */
__attribute__((unused)) static int64_t stub_nonzero(const void *p, int type, int64_t rows, int64_t cols, int64_t ld) {
  if (!p) return -1;
  int64_t count = 0; int size = stub_size(type); const unsigned char *b = p;
  for (int64_t j = 0; j < cols; j++)
    for (int64_t i = 0; i < rows; i++) {
      const unsigned char *e = b + (i + j * ld) * size; int nz = 0;
      for (int s = 0; s < size; s++) nz |= e[s];
      count += nz != 0; }
  return count; }
/* C = alpha op(A) op(B) + beta C, column-major; only when m*n*k is small enough to be quick. */
static int stub_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, double alpha, const void *A, int at, int64_t lda,
                     const void *B, int bt, int64_t ldb, double beta, const void *C, int ct, int64_t ldc, void *D, int dt, int64_t ldd) {
  if (m * n * k > (1LL << 24)) return 0;
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < m; i++) {
      double sum = 0;
      for (int64_t l = 0; l < k; l++)
        sum += stub_get(A, at, ta ? l + i * lda : i + l * lda) * stub_get(B, bt, tb ? j + l * ldb : l + j * ldb);
      double c = beta != 0 && C ? beta * stub_get(C, ct, i + j * ldc) : 0;
      stub_set(D, dt, i + j * ldd, alpha * sum + c);
    }
  return 1; }
#endif
