#!/usr/bin/env python3
"""Side-by-side table for the device check: Fleet's matmul and D2D figures against PyTorch's (same run) and the catalog
spec, with the targets (matmul >= 95 % of PyTorch, D2D >= 90 %). Reads the JSON files device-check.sh wrote."""
import json
import os
import sys

MATMUL_TARGET = 0.95
D2D_TARGET = 0.90


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt(v, spec="{:.1f}"):
    return "-" if v is None else spec.format(v)


def main(out: str) -> int:
    torch = load(os.path.join(out, "torch-reference.json")) or {}
    rows = []
    for dtype in ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8"]:
        bench = load(os.path.join(out, f"matmul-{dtype}.json"))
        theirs = (torch.get("matmul") or {}).get(dtype, {}).get("tflops")
        engines = (bench or {}).get("rows") or []
        missing = {m.get("engine"): m.get("reason") for m in (bench or {}).get("missing") or []}
        on_gpu = ((bench or {}).get("device") or {}).get("kind") == "cuda"
        if not engines and not missing:
            rows.append((dtype, "(no result)", None, theirs, None, None))
        # A cuBLAS row the GPU could not produce is a miss, reported as such: never silently left out of the table.
        if on_gpu and "cublas" not in missing and not any(r.get("engine") == "cublas" for r in engines):
            missing["cublas"] = "no cublas row in the result"
        for engine, reason in missing.items():
            rows.append((dtype, engine, None, theirs, None, None, f"MISSING ({reason})"))
        for r in engines:
            ours = r.get("tflops")
            spec = r.get("specTflops")
            rows.append((dtype, r.get("engine"), ours, theirs, ours / theirs if ours and theirs else None, ours / spec if ours and spec else None))

    print(f"{'dtype':<6} {'engine':<12} {'fleet TF/s':>11} {'torch TF/s':>11} {'fleet/torch':>12} {'fleet/spec':>11}  target")
    misses = 0
    for dtype, engine, ours, theirs, ratio, of_spec, *note in rows:
        verdict = note[0] if note else ""
        misses += bool(note)
        if engine == "cublas" and ratio is not None:
            verdict = "ok" if ratio >= MATMUL_TARGET else f"MISS (<{MATMUL_TARGET:.0%})"
            misses += ratio < MATMUL_TARGET
        print(f"{dtype:<6} {engine or '-':<12} {fmt(ours, '{:.4g}'):>11} {fmt(theirs, '{:.4g}'):>11} {fmt(ratio, '{:.1%}'):>12} {fmt(of_spec, '{:.1%}'):>11}  {verdict}")

    bw = load(os.path.join(out, "bandwidth.json")) or {}
    ours = (bw.get("bandwidth") or {}).get("deviceToDeviceGBs")
    theirs = (torch.get("d2d") or {}).get("gbs")
    spec = bw.get("specGBs")
    ratio = ours / theirs if ours and theirs else None
    verdict = "" if ratio is None else ("ok" if ratio >= D2D_TARGET else f"MISS (<{D2D_TARGET:.0%})")
    misses += ratio is not None and ratio < D2D_TARGET
    print()
    print(f"{'copy':<6} {'':<12} {'fleet GB/s':>11} {'torch GB/s':>11} {'fleet/torch':>12} {'fleet/spec':>11}  target")
    print(f"{'d2d':<6} {'':<12} {fmt(ours):>11} {fmt(theirs):>11} {fmt(ratio, '{:.1%}'):>12} {fmt(ours / spec if ours and spec else None, '{:.1%}'):>11}  {verdict}")
    for name, key in [("h2d", "hostToDeviceGBs"), ("d2h", "deviceToHostGBs")]:
        print(f"{name:<6} {'(pinned)':<12} {fmt((bw.get('bandwidth') or {}).get(key)):>11}")
    if torch.get("errors"):
        print(f"\ntorch errors: {torch['errors']}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", ".")))
