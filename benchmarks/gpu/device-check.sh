#!/usr/bin/env bash
# Fleet device check: one run, at most ~6 minutes, on a GPU host WITHOUT .NET, using the self-contained published fleet
#   (dotnet publish src/Fleet.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o publish/fleet).
# Order: driver facts; ILGPU device creation + a trivial kernel (ILGPU #1540 reports crashes on H100/H200); devices;
# quick burn-in; burn-in with each injected fault (each must fail); matmul in every precision; bandwidth; the PyTorch
# reference; a side-by-side table; then benchmarks/gpu/infer-check.sh when present. Everything lands in $OUT.
# Exit status: 0 when every expectation held, 1 otherwise (each failed step is listed at the end).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$(mktemp -d /tmp/fleet-device-check.XXXXXX)}"
mkdir -p "$OUT"
FLEET="${FLEET:-}"
SIZE="${SIZE:-8192}"
DEVICE="${DEVICE:-0}"
LOG="$OUT/device-check.log"
FAILURES=()
START=$(date +%s)

say() { printf '\n=== %s (t+%ss)\n' "$*" "$(( $(date +%s) - START ))" | tee -a "$LOG"; }

# step NAME EXPECTED_RC TIMEOUT_S CMD...: runs CMD with a timeout, logs it, records a failure when rc != EXPECTED_RC.
step() {
  local name="$1" expect="$2" limit="$3"; shift 3
  say "$name: $*"
  timeout --signal=INT --kill-after=15 "$limit" "$@" > >(tee -a "$LOG") 2> >(tee -a "$LOG" >&2)
  local rc=$?
  if [[ "$rc" == "124" ]]; then
    echo "--- $name: TIMED OUT after ${limit}s" | tee -a "$LOG"
    FAILURES+=("$name: timed out after ${limit}s")
  elif [[ "$expect" != "any" && "$rc" != "$expect" ]]; then
    echo "--- $name: exit $rc, expected $expect" | tee -a "$LOG"
    FAILURES+=("$name: exit $rc, expected $expect")
  else
    echo "--- $name: exit $rc (ok)" | tee -a "$LOG"
  fi
  return 0
}

if [[ -z "$FLEET" ]]; then
  for candidate in "$REPO/publish/fleet/fleet" "$HERE/fleet" "$(command -v fleet 2>/dev/null)"; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then FLEET="$candidate"; break; fi
  done
fi
if [[ -z "$FLEET" || ! -x "$FLEET" ]]; then
  echo "device-check: no fleet binary (set FLEET=... or publish to $REPO/publish/fleet/fleet)" | tee -a "$LOG"
  exit 2
fi

say "driver and CUDA"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi 2>&1 | tee "$OUT/nvidia-smi.txt" | tee -a "$LOG"
  nvidia-smi --query-gpu=index,name,pci.bus_id,driver_version,memory.total,clocks.max.sm,power.limit,temperature.gpu,ecc.errors.uncorrected.volatile.total \
    --format=csv 2>&1 | tee -a "$LOG"
else
  echo "nvidia-smi not found: expect the checks below to run on the CPU accelerator only" | tee -a "$LOG"
fi
{ ldconfig -p 2>/dev/null | grep -E 'libcuda\.so|libcublas\.so|libnvidia-ml\.so' || echo "no libcuda/libcublas/libnvidia-ml in the linker cache"; } | tee -a "$LOG"

HAS_GPU=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then HAS_GPU=1; fi
if [[ "$HAS_GPU" == "0" ]]; then
  DEVICE="cpu"
  SIZE="${CPU_SIZE:-32}"
  echo "no GPU visible: running the same steps on the CPU accelerator with size $SIZE (figures are not comparable)" | tee -a "$LOG"
  FAILURES+=("no NVIDIA GPU visible (nvidia-smi -L failed or absent): only the CPU accelerator was checked")
fi
echo "device-check: fleet=$FLEET out=$OUT size=$SIZE device=$DEVICE" | tee -a "$LOG"

# 1. ILGPU: open each device, allocate, compile, launch, synchronise, read back; each step reported.
step "ilgpu smoke check" 0 90 "$FLEET" gpu devices --check --json "$OUT/devices.json"
if command -v python3 >/dev/null 2>&1 && [[ -s "$OUT/devices.json" ]]; then
  python3 - "$OUT/devices.json" <<'PY' | tee -a "$LOG"
import json, sys
d = json.load(open(sys.argv[1]))
for n in d.get("notes", []): print("note:", n)
for c in d.get("checks") or []:
    bad = [s for s in c["steps"] if not s["ok"]]
    print(f"[{c['deviceId']}] smoke", "OK" if c["ok"] else f"FAILED at '{bad[0]['step']}': {bad[0].get('error')}")
PY
fi

# 2. Quick burn-in on every GPU (must pass).
step "burn-in quick" 0 150 "$FLEET" gpu burnin --device all --level quick --json "$OUT/burnin-quick.json"

# 3. Each injected fault must fail (exit 1) with its finding.
for fault in gemm memory nan; do
  step "burn-in inject $fault (must fail)" 1 90 "$FLEET" gpu burnin --device "$DEVICE" --level quick --duration 5s --inject-fault "$fault" --json "$OUT/burnin-fault-$fault.json"
done

# 4. Matrix products in every precision (FP8 through cublasLt; without it, or if its self-test fails, Fleet's own kernel).
for dtype in fp64 fp32 tf32 fp16 bf16 fp8; do
  step "matmul $dtype" 0 90 "$FLEET" gpu bench matmul --device "$DEVICE" --dtype "$dtype" --size "$SIZE" --json "$OUT/matmul-$dtype.json"
done

# 5. Bandwidth.
step "bandwidth" 0 60 "$FLEET" gpu bench bandwidth --device "$DEVICE" --json "$OUT/bandwidth.json"

# 6. PyTorch reference on the same card, then the table.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import torch' >/dev/null 2>&1; then
  step "pytorch reference" 0 120 python3 "$HERE/torch_reference.py" --size "$SIZE" --device "${DEVICE/cpu/0}" --out "$OUT/torch-reference.json"
else
  say "pytorch reference skipped: python3 with torch not available"
fi
if command -v python3 >/dev/null 2>&1; then
  say "fleet vs PyTorch vs catalog spec"
  python3 "$HERE/compare.py" "$OUT" 2>&1 | tee "$OUT/comparison.txt" | tee -a "$LOG"
  [[ "${PIPESTATUS[0]}" == "0" ]] || FAILURES+=("comparison: a target was missed (see comparison.txt)")
fi

# 7. The inference engineer's check, when it exists.
if [[ -f "$HERE/infer-check.sh" ]]; then
  step "infer-check.sh" 0 "${INFER_CHECK_TIMEOUT:-150}" env OUT="$OUT" FLEET="$FLEET" bash "$HERE/infer-check.sh"
fi

say "summary"
if [[ ${#FAILURES[@]} -eq 0 ]]; then
  echo "device-check: all steps as expected ($(( $(date +%s) - START )) s); results in $OUT" | tee -a "$LOG"
  exit 0
fi
printf 'device-check: %d step(s) not as expected:\n' "${#FAILURES[@]}" | tee -a "$LOG"
printf '  - %s\n' "${FAILURES[@]}" | tee -a "$LOG"
exit 1
