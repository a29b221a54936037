#!/usr/bin/env python3
"""Side-by-side table for the device check: Fleet's matmul and D2D figures against PyTorch's (same run) and the catalog
spec, with the targets (matmul >= 95 % of PyTorch, D2D >= 90 %). Reads the JSON files device-check.sh wrote
(matmul-DTYPE.json, bandwidth.json, and PyTorch's torch-*.json or torch-reference.json, merged).
  compare.py RESULTS_DIR [--table FILE]   (prints the table; FILE gets a copy; exit 1 when a target was missed)"""
import glob
import json
import os
import sys

MATMUL_TARGET = 0.95
D2D_TARGET = 0.90
DTYPES = ["bf16", "fp8", "fp16", "tf32", "fp32", "fp64"]


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt(v, spec="{:.1f}"):
    return "-" if v is None else spec.format(v)


def torch_figures(out):
    """PyTorch's figures from every torch-*.json (one per device-check step), merged."""
    merged = {"matmul": {}, "errors": {}}
    for path in sorted(glob.glob(os.path.join(out, "torch-*.json"))):
        doc = load(path) or {}
        merged["matmul"].update(doc.get("matmul") or {})
        merged["errors"].update(doc.get("errors") or {})
        if doc.get("d2d"):
            merged["d2d"] = doc["d2d"]
    return merged


def table(out):
    torch = torch_figures(out)
    lines, misses = [], 0
    lines.append(f"{'dtype':<6} {'engine':<12} {'fleet TF/s':>11} {'torch TF/s':>11} {'fleet/torch':>12} {'fleet/spec':>11}  target")
    for dtype in DTYPES:
        path = os.path.join(out, f"matmul-{dtype}.json")
        bench = load(path)
        theirs = (torch["matmul"].get(dtype) or {}).get("tflops")
        if bench is None:
            note = "(not measured)" if not os.path.exists(path) else "(unreadable result)"
            lines.append(f"{dtype:<6} {note:<12} {'-':>11} {fmt(theirs, '{:.4g}'):>11}")
            continue
        engines = bench.get("rows") or []
        for r in engines:
            ours, spec = r.get("tflops"), r.get("specTflops")
            ratio = ours / theirs if ours and theirs else None
            verdict = ""
            if str(r.get("engine", "")).startswith("cublas") and ratio is not None:
                verdict = "ok" if ratio >= MATMUL_TARGET else f"MISS (<{MATMUL_TARGET:.0%})"
                misses += ratio < MATMUL_TARGET
            lines.append(f"{dtype:<6} {r.get('engine') or '-':<12} {fmt(ours, '{:.4g}'):>11} {fmt(theirs, '{:.4g}'):>11} "
                         f"{fmt(ratio, '{:.1%}'):>12} {fmt(ours / spec if ours and spec else None, '{:.1%}'):>11}  {verdict}")
        if not any(str(r.get("engine", "")).startswith("cublas") for r in engines):
            # Fleet measured this precision without cuBLAS/cublasLt: the vendor row the target is about is missing.
            why = "; ".join(bench.get("notes") or []) or "no cuBLAS engine in the result"
            lines.append(f"{dtype:<6} {'cublas':<12} {'(no row)':>11} {fmt(theirs, '{:.4g}'):>11} {'-':>12} {'-':>11}  MISS (no cuBLAS row: {why})")
            misses += 1

    bw = load(os.path.join(out, "bandwidth.json")) or {}
    ours = (bw.get("bandwidth") or {}).get("deviceToDeviceGBs")
    theirs = (torch.get("d2d") or {}).get("gbs")
    spec = bw.get("specGBs")
    ratio = ours / theirs if ours and theirs else None
    verdict = "" if ratio is None else ("ok" if ratio >= D2D_TARGET else f"MISS (<{D2D_TARGET:.0%})")
    misses += ratio is not None and ratio < D2D_TARGET
    lines.append("")
    lines.append(f"{'copy':<6} {'':<12} {'fleet GB/s':>11} {'torch GB/s':>11} {'fleet/torch':>12} {'fleet/spec':>11}  target")
    lines.append(f"{'d2d':<6} {'':<12} {fmt(ours):>11} {fmt(theirs):>11} {fmt(ratio, '{:.1%}'):>12} "
                 f"{fmt(ours / spec if ours and spec else None, '{:.1%}'):>11}  {verdict}")
    for name, key in [("h2d", "hostToDeviceGBs"), ("d2h", "deviceToHostGBs")]:
        lines.append(f"{name:<6} {'(pinned)':<12} {fmt((bw.get('bandwidth') or {}).get(key)):>11}")
    if not glob.glob(os.path.join(out, "torch-*.json")):
        lines.append("\ntorch: no PyTorch figures in this run (see the log for why)")
    if torch["errors"]:
        lines.append(f"\ntorch errors: {torch['errors']}")
    return "\n".join(lines), misses


def main(argv):
    out = argv[1] if len(argv) > 1 and not argv[1].startswith("--") else os.environ.get("OUT", ".")
    text, misses = table(out)
    print(text)
    if "--table" in argv:
        with open(argv[argv.index("--table") + 1], "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
