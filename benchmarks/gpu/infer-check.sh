#!/usr/bin/env bash
# GPU check of the built-in transformer (issue 4). Called at the end of device-check.sh:
#   benchmarks/gpu/infer-check.sh [FLEET_BINARY] [OUT_DIR]
# 1. greedy generation GPU vs CPU, token for token, on a small random llama2.c checkpoint whose weights are exact in bf16;
# 2. `fleet infer profile --preset llama-3.1-8b --dtype bf16 --device gpu` → $OUT/profile.json;
# 3. prints MBU (batch-1 decode, target ≥ 70 %), MFU (2048-token prefill, target ≥ 50 %), decode tok/s per batch,
#    largest batch that fits. Budget: about 4 minutes on an H100. Exit 0 = equivalence held and the profile ran.
set -uo pipefail
FLEET=${1:-publish/fleet/fleet}
OUT=${2:-${OUT:-/tmp/fleet-infer-check}}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/fleet-infer-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
status=0
log() { echo "[infer-check] $*" | tee -a "$OUT/infer-check.txt"; }

log "fleet: $FLEET"
"$FLEET" infer synth --dim 256 --hidden-dim 688 --layers 4 --heads 8 --kv-heads 4 --vocab 4096 --seq-len 512 --untied \
  --seed 5 --exact-in bf16 --out "$WORK/m.bin" --tokenizer-out "$WORK/t.bin" || { log "FAIL: synth"; exit 2; }
PROMPT="Once upon a time, there was a little girl"
timeout 60 "$FLEET" infer run --checkpoint "$WORK/m.bin" --tokenizer "$WORK/t.bin" --prompt "$PROMPT" --steps 300 --device cpu \
  >"$WORK/cpu.out" 2>"$WORK/cpu.err"
cpu_rc=$?
timeout 120 "$FLEET" infer run --checkpoint "$WORK/m.bin" --tokenizer "$WORK/t.bin" --prompt "$PROMPT" --steps 300 --device gpu --dtype bf16 \
  >"$WORK/gpu.out" 2>"$WORK/gpu.err"
gpu_rc=$?
log "cpu run rc=$cpu_rc ($(cat "$WORK/cpu.err"))"
log "gpu run rc=$gpu_rc ($(cat "$WORK/gpu.err"))"
if [[ $cpu_rc -eq 0 && $gpu_rc -eq 0 ]] && cmp -s "$WORK/cpu.out" "$WORK/gpu.out"; then
  log "PASS: greedy GPU output identical to CPU ($(wc -c <"$WORK/gpu.out") bytes)"
else
  log "FAIL: greedy GPU vs CPU differ (first difference: $(cmp "$WORK/cpu.out" "$WORK/gpu.out" 2>&1 | head -1))"
  status=1
fi

start=$(date +%s)
timeout 200 "$FLEET" infer profile --preset llama-3.1-8b --dtype bf16 --device gpu --batch 1,8,32,64,128 --context 512,2048 \
  --repeats 2 --json "$OUT/profile.json" 2> >(tee -a "$OUT/infer-profile.log" >&2)
prc=$?
log "profile rc=$prc in $(( $(date +%s) - start )) s"
if [[ $prc -ne 0 || ! -s "$OUT/profile.json" ]]; then
  log "FAIL: profile did not complete"
  exit 2
fi

python3 - "$OUT/profile.json" <<'PY' | tee -a "$OUT/infer-check.txt"
import json, sys
p = json.load(open(sys.argv[1]))
spec = {"H100 SXM5 80GB": (3.35e12, 989e12), "H100 PCIe 80GB": (2.0e12, 756e12), "H200 SXM 141GB": (4.8e12, 989e12)}
print(f"device: {p.get('device')} ({p['gpuModel']}), ceilings measured: {p['ceilings']['bandwidthBytesPerSecond']/1e12:.2f} TB/s, "
      f"{p['ceilings']['matmulFlopsPerSecond']/1e12:.1f} TFLOP/s (engine's own matmul)")
mbu, mfu = p.get("decodeMbu"), p.get("prefillMfu")
print(f"MBU batch-1 decode: {mbu:.1%} of measured bandwidth (target >= 70%): {'PASS' if mbu and mbu >= 0.70 else 'MISS'}")
print(f"MFU longest prefill: {mfu:.1%} of measured matmul ceiling (target >= 50%): {'PASS' if mfu and mfu >= 0.50 else 'MISS'}")
if p["gpuModel"] in spec:
    bw, fl = spec[p["gpuModel"]]
    pts = [x for x in p["prefillPoints"]]
    longest = max(pts, key=lambda x: x["promptTokens"])
    ratio = mfu * p["ceilings"]["matmulFlopsPerSecond"] / fl
    print(f"MFU vs catalog dense BF16 {fl/1e12:.0f} TFLOP/s: {ratio:.1%} at L={longest['promptTokens']}")
for d in p["decodePoints"]:
    print(f"decode B={d['batch']:4d} ctx={d['context']:5d}: {d['seconds']*1e3:9.2f} ms/step {d['batch']/d['seconds']:9.1f} tok/s")
for m in p["memory"]["maxBatch"]:
    print(f"largest batch at ctx {m['context']}: {m['maxBatch']}")
print(f"fit prefill: {p['prefill']}, decode: {p['decode']}")
PY
exit $status
