#!/usr/bin/env bash
# Fleet device check: one run on a GPU host WITHOUT .NET, using the self-contained published fleet
#   (dotnet publish src/Fleet.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o publish/fleet).
# A GPU host may be lent for one ten-minute run, so the whole check has ONE deadline (default 540 s) that every step's
# limit is cut to, and the steps run in the order of what their evidence is worth:
#   smoke check (ILGPU device, allocate, compile, launch, verify; then cuBLAS, cublasLt) → BF16 matmul and PyTorch's →
#   device copy and PyTorch's → the comparison → the 8B decode/prefill profile → quick burn-in → injected faults →
#   (time left) the other precisions and PyTorch's, the comparison again, the GPU-vs-CPU token check.
# After a failed smoke check the GPU steps are skipped with the reason (DEVICE_CHECK_KEEP_GOING=1 runs them anyway).
# $OUT receives three files: device-check.log, comparison.txt and device-check.tar.gz (every JSON, the log, notes).
# The summary is printed last, so it is in the tail of the output.
#   benchmarks/gpu/device-check.sh [--deadline SECONDS] [--keep-going]
# Environment: OUT, FLEET (the binary, or a fleet.dll run with dotnet), DEVICE (0), SIZE (8192),
#   DEVICE_CHECK_DEADLINE (540), PROFILE_PRESET (llama-3.1-8b), PYTHON (python3), FLEET_CUDA_LIB_DIR.
# Exit status: 0 when every step ran and held its expectation, 1 otherwise (each one is listed in the summary).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
START=$(date +%s)
DEADLINE="${DEVICE_CHECK_DEADLINE:-540}"
KEEP_GOING="${DEVICE_CHECK_KEEP_GOING:-0}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --deadline) DEADLINE="$2"; shift 2 ;;
    --deadline=*) DEADLINE="${1#*=}"; shift ;;
    --keep-going) KEEP_GOING=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "device-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ "$DEADLINE" =~ ^[0-9]+$ ]] || { echo "device-check: --deadline must be whole seconds, not '$DEADLINE'" >&2; exit 2; }
END=$((START + DEADLINE))
RESERVE=10        # seconds kept for the archive and the summary
KILL_AFTER=5      # a step that ignores SIGINT is killed this long after its limit

OUT="${OUT:-$(mktemp -d /tmp/fleet-device-check.XXXXXX)}"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/fleet-device-check-work.XXXXXX)
RESULTS="$WORK/results"
mkdir -p "$RESULTS"
LOG="$OUT/device-check.log"
TABLE="$OUT/comparison.txt"
ARCHIVE="$OUT/device-check.tar.gz"
: >"$LOG"
SIZE="${SIZE:-8192}"
DEVICE="${DEVICE:-0}"
PROFILE_PRESET="${PROFILE_PRESET:-llama-3.1-8b}"
PYTHON="${PYTHON:-python3}"

NAMES=(); STATES=(); SECONDS_TAKEN=(); NOTES=()
SMOKE_FAILED=""
FINISHED=0

now() { date +%s; }
left() { echo $((END - $(now))); }
cap() { local c=$(( $(left) - RESERVE - KILL_AFTER )); (( c > $1 )) && c=$1; (( c < 1 )) && c=1; echo "$c"; }
say() { printf '\n=== %s (t+%ss, %ss left)\n' "$*" "$(( $(now) - START ))" "$(left)" | tee -a "$LOG"; }
log() { echo "$*" | tee -a "$LOG"; }
record() { NAMES+=("$1"); STATES+=("$2"); SECONDS_TAKEN+=("$3"); NOTES+=("$4"); }
skip() { say "$1: skipped: $2"; record "$1" skipped 0 "$2"; }

# step NAME EXPECTED_RC LIMIT_S CMD...: runs CMD under min(LIMIT_S, what the deadline leaves), logs it, records the outcome.
step() {
  local name="$1" expect="$2" want="$3"; shift 3
  local room=$(( $(left) - RESERVE - KILL_AFTER ))
  if (( room < 3 )); then
    skip "$name" "deadline: $(left) s of ${DEADLINE} s left"
    return 1
  fi
  local limit=$(( want < room ? want : room ))
  say "$name (limit ${limit}s): $*"
  local t0; t0=$(now)
  timeout --signal=INT --kill-after="$KILL_AFTER" "$limit" "$@" >>"$LOG" 2>&1
  local rc=$? took=$(( $(now) - t0 ))
  if [[ "$rc" == 124 || "$rc" == 137 ]]; then
    log "--- $name: TIMED OUT after ${limit}s"
    record "$name" "timed out" "$took" "limit ${limit}s${want:+ (wanted ${want}s)}"
    return 1
  elif [[ "$expect" != any && "$rc" != "$expect" ]]; then
    log "--- $name: exit $rc, expected $expect"
    record "$name" FAILED "$took" "exit $rc, expected $expect"
    return 1
  fi
  log "--- $name: exit $rc (ok)"
  record "$name" ok "$took" ""
  return 0
}

# gpu_step: a step that needs a working device; skipped with the reason after a failed smoke check.
gpu_step() {
  if [[ -n "$SMOKE_FAILED" && "$KEEP_GOING" != 1 ]]; then
    skip "$1" "smoke check failed ($SMOKE_FAILED)"
    return 1
  fi
  step "$@"
}

# torch_step NAME ARGS...: PyTorch's figure for the same card, or a skip that says why there is none.
torch_step() {
  local name="$1"; shift
  if [[ -n "$TORCH_MISSING" ]]; then
    skip "$name" "$TORCH_MISSING"
    return 1
  fi
  gpu_step "$name" 0 "$@"
}

finish() {
  (( FINISHED )) && return
  FINISHED=1
  say "packing"
  cp "$LOG" "$RESULTS/device-check.log" 2>/dev/null
  [[ -f "$TABLE" ]] && cp "$TABLE" "$RESULTS/comparison.txt"
  tar -czf "$ARCHIVE" -C "$WORK" results 2>>"$LOG" || log "device-check: could not write $ARCHIVE"
  rm -rf "$WORK"
  summary
}

summary() {
  local failed=0 i
  {
    printf '\n=== summary (%ss of a %ss deadline)\n' "$(( $(now) - START ))" "$DEADLINE"
    [[ -f "$TABLE" ]] && cat "$TABLE" && echo
    for i in "${!NAMES[@]}"; do
      printf '%-40s %-10s %4ss  %s\n' "${NAMES[$i]}" "${STATES[$i]}" "${SECONDS_TAKEN[$i]}" "${NOTES[$i]}"
      [[ "${STATES[$i]}" == ok ]] || failed=$((failed + 1))
    done
    echo "files: $(cd "$OUT" && ls | tr '\n' ' ')(in $OUT)"
    if (( failed == 0 )); then
      echo "device-check: every step ran and held ($(( $(now) - START )) s)"
    else
      echo "device-check: $failed step(s) failed, timed out or were skipped"
    fi
  } | tee -a "$LOG"
  cp "$LOG" "$OUT/device-check.log" 2>/dev/null
  (( failed == 0 ))
}
trap 'finish; exit 1' INT TERM

# --- Preamble: the binary, the driver, cuBLAS (what it finds is printed; nothing outside a temp folder changes).
say "preamble"
FLEET="${FLEET:-}"
if [[ -z "$FLEET" ]]; then
  for candidate in "$REPO/publish/fleet/fleet" "$HERE/fleet" "$(command -v fleet 2>/dev/null)"; do
    if [[ -n "$candidate" && -f "$candidate" ]]; then FLEET="$candidate"; break; fi
  done
fi
if [[ -z "$FLEET" || ! -f "$FLEET" ]]; then
  log "device-check: no fleet binary (set FLEET=... or publish to $REPO/publish/fleet/fleet)"
  record "preamble" FAILED 0 "no fleet binary"
  finish
  exit 2
fi
if [[ "$FLEET" == *.dll ]]; then
  # A built (not published) fleet, as the tests' dry run uses: a one-line launcher stands in for the binary.
  mkdir -p "$WORK/bin"
  printf '#!/bin/sh\nexec dotnet "%s" "$@"\n' "$FLEET" >"$WORK/bin/fleet"
  chmod +x "$WORK/bin/fleet"
  FLEET="$WORK/bin/fleet"
elif [[ ! -x "$FLEET" ]]; then
  chmod +x "$FLEET" && log "device-check: set the exec bit of $FLEET (carried files lose it)"
fi
FLEET_CMD=("$FLEET")
log "device-check: fleet=$FLEET out=$OUT size=$SIZE device=$DEVICE deadline=${DEADLINE}s preset=$PROFILE_PRESET"

lib_dir="$WORK/lib"
mkdir -p "$lib_dir"
search_dirs=()
IFS=: read -r -a ld_dirs <<<"${LD_LIBRARY_PATH:-}"
for d in "${ld_dirs[@]}"; do [[ -n "$d" ]] && search_dirs+=("$d"); done
find_lib() { # find_lib NAME...: the first file of these names in the search folders or the linker cache
  local n d p
  for n in "$@"; do
    for d in "${search_dirs[@]}"; do [[ -e "$d/$n" ]] && { echo "$d/$n"; return; }; done
    p=$(ldconfig -p 2>/dev/null | awk -v n="$n" '$1 == n {print $NF; exit}')
    [[ -n "$p" ]] && { echo "$p"; return; }
  done
}
search_dirs+=(/usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib/wsl/lib)
cuda1=$(find_lib libcuda.so.1)
if [[ -n "$cuda1" ]]; then
  log "device-check: driver $cuda1 ($(readlink -f "$cuda1" 2>/dev/null))"
  # Older fleet builds ask for the unversioned name only; a link in our own folder serves them.
  [[ -n "$(find_lib libcuda.so)" ]] || ln -sf "$cuda1" "$lib_dir/libcuda.so"
else
  log "device-check: WARNING no libcuda.so.1 (no NVIDIA driver visible)"
fi
blas_dirs=()
for d in ${FLEET_CUDA_LIB_DIR:-} "${ld_dirs[@]}" ${CUDA_HOME:+$CUDA_HOME/lib64} /usr/local/cuda/lib64 /usr/local/cuda*/lib64 \
         /usr/local/cuda/targets/x86_64-linux/lib \
         $(ldconfig -p 2>/dev/null | awk '/libcublas\.so\.1[123] /{print $NF}' | xargs -r -n1 dirname) \
         $(timeout "$(cap 10)" "$PYTHON" -c 'import site,glob,os; print(" ".join(sorted({os.path.dirname(p) for s in site.getsitepackages() for p in glob.glob(os.path.join(s,"nvidia","**","libcublas.so.1[23]"), recursive=True)})))' 2>/dev/null); do
  if [[ -n "$d" && ( -e "$d/libcublas.so.13" || -e "$d/libcublas.so.12" ) ]] && [[ ! " ${blas_dirs[*]} " == *" $d "* ]]; then blas_dirs+=("$d"); fi
done
if (( ${#blas_dirs[@]} )); then
  for d in "${blas_dirs[@]}"; do log "device-check: cuBLAS $(ls "$d"/libcublas.so.1[23] "$d"/libcublasLt.so.1[23] 2>/dev/null | tr '\n' ' ')"; done
  export FLEET_CUDA_LIB_DIR="${FLEET_CUDA_LIB_DIR:-${blas_dirs[0]}}"
else
  log "device-check: WARNING no libcublas.so.13/.12 found: products fall back to ILGPU kernels (slow at $SIZE)"
fi
blas_path=$(IFS=:; echo "${blas_dirs[*]}")
export LD_LIBRARY_PATH="$lib_dir${blas_path:+:$blas_path}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
log "device-check: LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
command -v nvidia-smi >/dev/null 2>&1 && timeout "$(cap 20)" nvidia-smi --query-gpu=index,name,pci.bus_id,driver_version,memory.total,clocks.max.sm,power.limit,temperature.gpu,ecc.errors.uncorrected.volatile.total \
  --format=csv >>"$LOG" 2>&1
TORCH_MISSING=""
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  TORCH_MISSING="$PYTHON not found"
else
  torch_probe=$(timeout "$(cap 45)" "$PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available())' 2>&1 | tail -n 1)
  case "$torch_probe" in
    *" True") log "device-check: PyTorch $torch_probe" ;;
    *" False") TORCH_MISSING="PyTorch sees no GPU (torch.cuda.is_available() is False)" ;;
    *) TORCH_MISSING="PyTorch not importable with $PYTHON (${torch_probe:-no output})" ;;
  esac
fi
[[ -n "$TORCH_MISSING" ]] && log "device-check: no PyTorch reference: $TORCH_MISSING"

comparison() {
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    skip "$1" "$PYTHON not found"
    return
  fi
  step "$1" 0 20 "$PYTHON" "$HERE/compare.py" "$RESULTS" --table "$TABLE"
}

# --- 1. Smoke check: ILGPU-only steps, then cuBLAS, then cublasLt, each printed as it completes.
if ! step "smoke check" 0 60 "${FLEET_CMD[@]}" gpu devices --check --json "$RESULTS/devices.json"; then
  SMOKE_FAILED="${NOTES[-1]}"
  if command -v "$PYTHON" >/dev/null 2>&1 && [[ -s "$RESULTS/devices.json" ]]; then
    first=$("$PYTHON" - "$RESULTS/devices.json" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
for c in d.get("checks") or []:
    bad = [s for s in c.get("steps", []) if not s.get("ok")]
    if bad:
        print(f"device {c.get('deviceId')}: '{bad[0].get('step')}' failed: {bad[0].get('error')}"); break
PY
)
    [[ -n "$first" ]] && SMOKE_FAILED="$SMOKE_FAILED; $first"
  fi
  log "device-check: smoke check failed: $SMOKE_FAILED"
fi

# --- 2. BF16 matmul, Fleet's and PyTorch's.
gpu_step "matmul bf16" 0 60 "${FLEET_CMD[@]}" gpu bench matmul --device "$DEVICE" --dtype bf16 --size "$SIZE" --json "$RESULTS/matmul-bf16.json"
torch_step "pytorch matmul bf16" 90 "$PYTHON" "$HERE/torch_reference.py" --size "$SIZE" --device "$DEVICE" --dtypes bf16 --copy-mib 0 --out "$RESULTS/torch-bf16.json"

# --- 3. Device copy, Fleet's and PyTorch's.
gpu_step "device copy" 0 45 "${FLEET_CMD[@]}" gpu bench bandwidth --device "$DEVICE" --json "$RESULTS/bandwidth.json"
torch_step "pytorch device copy" 60 "$PYTHON" "$HERE/torch_reference.py" --device "$DEVICE" --dtypes "" --out "$RESULTS/torch-copy.json"

# --- 4. The comparison (written to $OUT as it stands; refreshed when more precisions are measured below).
comparison "comparison"

# --- 5. The 8B decode/prefill profile (MBU, MFU, tok/s per batch).
gpu_step "profile $PROFILE_PRESET" 0 180 "${FLEET_CMD[@]}" infer profile --preset "$PROFILE_PRESET" --dtype bf16 --device gpu \
  --batch 1,8,32,64,128 --context 512,2048 --repeats 2 --json "$RESULTS/profile.json"

# --- 6. Quick burn-in (a healthy card passes).
gpu_step "burn-in quick" 0 100 "${FLEET_CMD[@]}" gpu burnin --device "$DEVICE" --level quick --json "$RESULTS/burnin-quick.json"

# --- 7. Each injected fault must be caught (exit 1 with its finding).
for fault in gemm memory nan; do
  gpu_step "burn-in inject $fault (must fail)" 1 45 "${FLEET_CMD[@]}" gpu burnin --device "$DEVICE" --level quick --duration 5s \
    --inject-fault "$fault" --json "$RESULTS/burnin-fault-$fault.json"
done

# --- 8. With the time left: the other precisions and PyTorch's, the comparison again, GPU vs CPU tokens.
for dtype in fp8 fp16 tf32 fp32 fp64; do
  gpu_step "matmul $dtype" 0 45 "${FLEET_CMD[@]}" gpu bench matmul --device "$DEVICE" --dtype "$dtype" --size "$SIZE" --json "$RESULTS/matmul-$dtype.json"
done
torch_step "pytorch matmul other precisions" 90 "$PYTHON" "$HERE/torch_reference.py" --size "$SIZE" --device "$DEVICE" \
  --dtypes fp8,fp16,tf32,fp32,fp64 --copy-mib 0 --out "$RESULTS/torch-others.json"
comparison "comparison (all precisions)"
if [[ -f "$HERE/infer-check.sh" ]]; then
  gpu_step "infer-check (GPU vs CPU tokens, profile)" 0 120 env OUT="$RESULTS/infer-check" bash "$HERE/infer-check.sh" "$FLEET" "$RESULTS/infer-check"
fi

finish
exit $?
