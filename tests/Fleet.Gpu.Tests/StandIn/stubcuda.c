/* A stand-in libcuda.so.1 that answers like one H200 (cc 9.0, 1980 MHz SM, 3201 MHz memory) on a CUDA 13.0 driver:
   host memory stands in for device memory, kernels never run, every PTX module is written to $STUB_PTX_DIR, every call
   is logged (stublog.h). Lets ILGPU and Fleet run their CUDA host path with no GPU.
   Copies are logged with their direction, told from the stand-in's own allocations (kind=HtoD|DtoH|DtoD|HtoH), and
   with the number of nonzero bytes the source holds (nz=), so tests can see what a copy moved.
   Knobs: STUB_DEVICE_COUNT (default 1), STUB_MODULE_LOAD_FAIL=1 (module loads fail as CUDA_ERROR_INVALID_PTX with a JIT
   error log). Build: gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o libcuda.so.1 stubcuda.c */
#include <stdint.h>
#include "stublog.h"
#define LOG(...) stub_log("stubcuda", __VA_ARGS__)
typedef int CUresult;
static int nmod = 0;
#define MAXFN 4096
static char fnames[MAXFN][128];
static int nfn = 0;
static int device_count(void) { const char *c = getenv("STUB_DEVICE_COUNT"); return c ? atoi(c) : 1; }
CUresult cuInit(int f) { LOG("cuInit(%d)", f); return 0; }
CUresult cuDriverGetVersion(int *v) { *v = 13000; LOG("cuDriverGetVersion -> 13000"); return 0; }
CUresult cuDeviceGetCount(int *c) { *c = device_count(); LOG("cuDeviceGetCount -> %d", *c); return 0; }
CUresult cuDeviceGet(int *d, int o) { if (o >= device_count()) return 101; *d = o; return 0; }
CUresult cuDeviceGetName(char *n, int len, int d) { snprintf(n, len, "NVIDIA H200"); return 0; }
CUresult cuDeviceTotalMem_v2(size_t *b, int d) { *b = 150754820096ULL; return 0; }
CUresult cuDeviceGetAttribute(int *v, int a, int d) {
  switch (a) {
    case 1: *v = 1024; break; case 2: case 3: *v = 1024; break; case 4: *v = 64; break;
    case 5: *v = 2147483647; break; case 6: case 7: *v = 65535; break; case 8: *v = 49152; break;
    case 9: *v = 65536; break; case 10: *v = 32; break; case 12: *v = 65536; break;
    case 13: *v = 1980000; break; /* CU_DEVICE_ATTRIBUTE_CLOCK_RATE, kHz */
    case 16: *v = 132; break; case 33: *v = 0x1b; break; case 34: *v = 0; break;
    case 36: *v = 3201000; break; /* CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, kHz */
    case 37: *v = 6144; break; case 38: *v = 62914560; break; case 39: *v = 2048; break; case 41: *v = 1; break;
    case 50: *v = 0; break; case 75: *v = 9; break; case 76: *v = 0; break; case 81: *v = 233472; break;
    case 97: *v = 232448; break; default: *v = 0;
  }
  return 0;
}
CUresult cuCtxCreate_v2(void **c, int flags, int d) { *c = (void*)0x1000; LOG("cuCtxCreate_v2(flags=%d device=%d)", flags, d); return 0; }
CUresult cuCtxDestroy_v2(void *c) { LOG("cuCtxDestroy_v2"); return 0; }
CUresult cuCtxSetCurrent(void *c) { return 0; }
CUresult cuCtxGetCurrent(void **c) { *c = (void*)0x1000; return 0; }
CUresult cuCtxSynchronize(void) { LOG("cuCtxSynchronize"); return 0; }
CUresult cuCtxGetCacheConfig(int *c) { *c = 0; return 0; }
CUresult cuCtxSetCacheConfig(int c) { return 0; }
CUresult cuCtxGetSharedMemConfig(int *c) { *c = 1; return 0; }
CUresult cuCtxSetSharedMemConfig(int c) { return 0; }
CUresult cuDeviceCanAccessPeer(int *r, int a, int b) { *r = 0; return 0; }
CUresult cuCtxEnablePeerAccess(void *c, int f) { return 0; }
CUresult cuCtxDisablePeerAccess(void *c) { return 0; }
CUresult cuDeviceGetP2PAttribute(int *v, int a, int s, int d) { *v = 0; return 0; }
CUresult cuPointerGetAttribute(void *data, int attr, void *ptr) { memset(data, 0, 8); return 0; }
CUresult cuMemGetInfo_v2(size_t *f, size_t *t) { *t = 150754820096ULL; *f = 149000000000ULL; return 0; }
/* The live device allocations, to tell a device pointer from a host one in copies. */
#define MAXALLOC 65536
static struct { char *base; size_t size; } allocs[MAXALLOC];
static int nalloc = 0;
static int is_device(const void *p) {
  for (int i = 0; i < nalloc; i++) if ((const char *)p >= allocs[i].base && (const char *)p < allocs[i].base + allocs[i].size) return 1;
  return 0; }
static const char *copy_kind(const void *dst, const void *src) {
  int d = is_device(dst), s = is_device(src);
  return d && s ? "DtoD" : d ? "HtoD" : s ? "DtoH" : "HtoH"; }
static size_t nonzero(const void *p, size_t n) {
  const unsigned char *b = p; size_t c = 0, i = 0;
  for (; i + 8 <= n; i += 8) { uint64_t w; memcpy(&w, b + i, 8); if (w) for (int j = 0; j < 8; j++) c += b[i + j] != 0; }
  for (; i < n; i++) c += b[i] != 0;
  return c; }
CUresult cuMemAlloc_v2(void **p, size_t n) {
  /* host memory stands in; refuse what the host cannot back so that huge burn-in buffers fail cleanly */
  if (n > (1ULL << 32)) { LOG("cuMemAlloc_v2(%zu) -> OUT_OF_MEMORY (stub limit)", n); return 2; }
  *p = calloc(1, n ? n : 1);
  if (*p && nalloc < MAXALLOC) { allocs[nalloc].base = *p; allocs[nalloc].size = n ? n : 1; nalloc++; }
  LOG("cuMemAlloc_v2(%zu) -> %p", n, *p); return *p ? 0 : 2; }
CUresult cuMemFree_v2(void *p) {
  for (int i = 0; i < nalloc; i++) if (allocs[i].base == p) { allocs[i] = allocs[--nalloc]; break; }
  free(p); return 0; }
CUresult cuMemAllocHost_v2(void **p, size_t n) { *p = calloc(1, n ? n : 1); return *p ? 0 : 2; }
CUresult cuMemFreeHost(void *p) { free(p); return 0; }
#define COPY(name) do { LOG(name "(%zu) kind=%s bytes=%zu dst=%p src=%p nz=%zu", n, copy_kind(dst, src), n, dst, src, nonzero(src, n)); memmove(dst, src, n); } while (0)
CUresult cuMemcpy(void *dst, void *src, size_t n) { COPY("cuMemcpy"); return 0; }
CUresult cuMemcpyAsync(void *dst, void *src, size_t n, void *s) { COPY("cuMemcpyAsync"); return 0; }
CUresult cuMemcpyDtoD_v2(void *dst, void *src, size_t n) { COPY("cuMemcpyDtoD_v2"); return 0; }
CUresult cuMemcpyDtoDAsync_v2(void *dst, void *src, size_t n, void *s) { COPY("cuMemcpyDtoDAsync_v2"); return 0; }
CUresult cuMemcpyHtoD_v2(void *dst, const void *src, size_t n) { COPY("cuMemcpyHtoD_v2"); return 0; }
CUresult cuMemcpyHtoDAsync_v2(void *dst, const void *src, size_t n, void *s) { COPY("cuMemcpyHtoDAsync_v2"); return 0; }
CUresult cuMemcpyDtoH_v2(void *dst, const void *src, size_t n) { COPY("cuMemcpyDtoH_v2"); return 0; }
CUresult cuMemcpyDtoHAsync_v2(void *dst, const void *src, size_t n, void *s) { COPY("cuMemcpyDtoHAsync_v2"); return 0; }
CUresult cuMemsetD8Async(void *p, unsigned char v, size_t n, void *s) { memset(p, v, n); return 0; }
CUresult cuMemsetD8_v2(void *p, unsigned char v, size_t n) { memset(p, v, n); return 0; }
CUresult cuMemHostRegister_v2(void *p, size_t n, int f) { return 0; }
CUresult cuMemHostUnregister(void *p) { return 0; }
CUresult cuMemHostGetDevicePointer_v2(void **d, void *p, int f) { *d = p; return 0; }
CUresult cuStreamCreate(void **s, int f) { *s = malloc(8); return 0; }
CUresult cuStreamCreateWithPriority(void **s, int f, int p) { *s = malloc(8); return 0; }
CUresult cuStreamDestroy_v2(void *s) { return 0; }
CUresult cuStreamSynchronize(void *s) { LOG("cuStreamSynchronize"); return 0; }
CUresult cuGetErrorString(int e, const char **s) { *s = e == 218 ? "a PTX JIT compilation failed (stand-in)" : "stand-in error"; return 0; }
CUresult cuGetErrorName(int e, const char **s) { *s = e == 218 ? "CUDA_ERROR_INVALID_PTX" : "CUDA_ERROR_STUB"; return 0; }
static CUresult load(void **m, const char *ptx, int nopt, int *opts, void **vals) {
  const char *dir = getenv("STUB_PTX_DIR");
  if (dir) { char path[4096]; snprintf(path, sizeof path, "%s/module%03d.ptx", dir, nmod); FILE *f = fopen(path, "w"); if (f) { fputs(ptx, f); fclose(f); } }
  LOG("cuModuleLoadData(module=%d chars=%zu)", nmod, strlen(ptx));
  if (getenv("STUB_MODULE_LOAD_FAIL")) {
    /* CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6 */
    char *buf = NULL; size_t size = 0;
    for (int i = 0; i < nopt; i++) { if (opts[i] == 5) buf = vals[i]; if (opts[i] == 6) size = (size_t)(uintptr_t)vals[i]; }
    if (buf && size) snprintf(buf, size, "ptxas fatal   : stand-in JIT refused module %d (STUB_MODULE_LOAD_FAIL)", nmod);
    nmod++;
    return 218;
  }
  *m = (void*)(intptr_t)(0x100 + nmod++); return 0; }
CUresult cuModuleLoadData(void **m, const char *ptx) { return load(m, ptx, 0, NULL, NULL); }
CUresult cuModuleLoadDataEx(void **m, const char *ptx, int n, int *o, void **v) { return load(m, ptx, n, o, v); }
CUresult cuModuleUnload(void *m) { return 0; }
CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
  int i = nfn < MAXFN ? nfn++ : MAXFN - 1;
  snprintf(fnames[i], sizeof fnames[i], "%s", name);
  *f = (void*)(intptr_t)(i + 1); LOG("cuModuleGetFunction(%s)", name); return 0; }
CUresult cuLaunchKernel(void *f, int gx, int gy, int gz, int bx, int by, int bz, int smem, void *s, void **args, void **extra) {
  intptr_t i = (intptr_t)f - 1;
  LOG("cuLaunchKernel(%s grid=%d,%d,%d block=%d,%d,%d smem=%d)", i >= 0 && i < MAXFN ? fnames[i] : "?", gx, gy, gz, bx, by, bz, smem); return 0; }
CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int *n, void *f, int bs, size_t sm) { *n = 2048 / (bs ? bs : 1); return 0; }
CUresult cuOccupancyMaxPotentialBlockSize(int *mg, int *bs, void *f, void *cb, size_t sm, int lim) { *mg = 264; *bs = 1024; return 0; }
CUresult cuFuncGetAttribute(int *v, int a, void *f) { *v = a == 0 ? 1024 : 0; return 0; }
CUresult cuEventCreate(void **e, int f) { *e = malloc(8); return 0; }
CUresult cuEventDestroy_v2(void *e) { return 0; }
CUresult cuEventQuery(void *e) { return 0; }
CUresult cuEventElapsedTime(float *ms, void *a, void *b) { *ms = 0; return 0; }
CUresult cuEventRecord(void *e, void *s) { return 0; }
CUresult cuEventSynchronize(void *e) { return 0; }
