#!/usr/bin/env bash
# Builds the stand-in CUDA driver, NVML and cuBLAS libraries into OUTDIR (gcc only; no CUDA SDK):
#   OUTDIR/driver/libcuda.so.1 and libnvidia-ml.so.1   (what an NVIDIA driver install provides; no unversioned libcuda.so)
#   OUTDIR/cublas/libcublas.so.13 and libcublasLt.so.13 (what a CUDA 13 toolkit or PyTorch's nvidia-cublas wheel provides)
# Knobs read at run time: STUB_LOG, STUB_TRACE, STUB_PTX_DIR, STUB_DEVICE_COUNT, STUB_MODULE_LOAD_FAIL, STUB_NVML_FAIL,
# STUB_CUBLAS_FAIL, STUB_CUBLASLT_FAIL (see each .c file).
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/driver" "$out/cublas"
cc=${CC:-gcc}
flags=(-O1 -Wall -Wno-unused-parameter -Werror -shared -fPIC)
"$cc" "${flags[@]}" -Wl,-soname,libcuda.so.1 -o "$out/driver/libcuda.so.1" "$src/stubcuda.c"
"$cc" "${flags[@]}" -Wl,-soname,libnvidia-ml.so.1 -o "$out/driver/libnvidia-ml.so.1" "$src/stubnvml.c"
"$cc" "${flags[@]}" -Wl,-soname,libcublasLt.so.13 -o "$out/cublas/libcublasLt.so.13" "$src/stubcublaslt.c" -lm
"$cc" "${flags[@]}" -Wl,-soname,libcublas.so.13 -o "$out/cublas/libcublas.so.13" "$src/stubcublas.c" -lm
echo "stand-in libraries in $out"
