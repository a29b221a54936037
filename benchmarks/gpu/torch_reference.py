#!/usr/bin/env python3
"""PyTorch reference figures for Fleet's device check: torch.matmul per dtype at N×N×N and a device-to-device copy,
timed with CUDA events (median of repeats after warm-up). Writes one JSON object; compares nothing itself."""
import argparse
import json
import statistics
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--dtypes", default="fp64,fp32,tf32,fp16,bf16,fp8")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--copy-mib", type=int, default=1024, help="device-to-device copy size; 0 skips the copy")
    parser.add_argument("--device", type=int, default=0)
    parser.add_argument("--out", default="-")
    args = parser.parse_args()

    try:
        import torch
    except ImportError as exc:  # the device check prints this and carries on
        print(f"torch_reference: PyTorch is not installed: {exc}", file=sys.stderr)
        return 2
    if not torch.cuda.is_available():
        print("torch_reference: torch.cuda.is_available() is False", file=sys.stderr)
        return 2

    dev = torch.device("cuda", args.device)
    torch.cuda.set_device(dev)
    n = args.size
    result = {
        "schema": "fleet.torch-reference/v1",
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name(dev),
        "size": n,
        "timing": "CUDA events around a batch of back-to-back products; median of repeats after warm-up",
        "matmul": {},
        "errors": {},
    }

    def timed(fn, batch):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        for _ in range(3):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(args.repeats):
            start.record()
            for _ in range(batch):
                fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1000.0 / batch)
        return statistics.median(times)

    for name in [d.strip() for d in args.dtypes.split(",") if d.strip()]:
        try:
            torch.backends.cuda.matmul.allow_tf32 = name == "tf32"
            if name == "fp8":
                if not hasattr(torch, "float8_e4m3fn") or not hasattr(torch, "_scaled_mm"):
                    raise RuntimeError("this PyTorch has no float8_e4m3fn/_scaled_mm")
                a = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn)
                b = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn).t()  # column-major second operand
                one = torch.tensor(1.0, device=dev)
                fn = lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
            else:
                dtype = {"fp64": torch.float64, "fp32": torch.float32, "tf32": torch.float32,
                         "fp16": torch.float16, "bf16": torch.bfloat16}[name]
                a = torch.randn(n, n, device=dev, dtype=dtype)
                b = torch.randn(n, n, device=dev, dtype=dtype)
                fn = lambda: torch.matmul(a, b)
            probe = timed(fn, 1)
            batch = max(1, min(200, int(0.05 / max(probe, 1e-7)) + 1))
            seconds = timed(fn, batch)
            result["matmul"][name] = {"tflops": 2.0 * n ** 3 / seconds / 1e12, "seconds": seconds, "batch": batch}
        except Exception as exc:  # noqa: BLE001 - report every dtype's own failure
            result["errors"][name] = f"{type(exc).__name__}: {exc}"
        finally:
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.cuda.empty_cache()

    if args.copy_mib > 0:  # --copy-mib 0: products only (the device check times the copy in a step of its own)
        nbytes = args.copy_mib * 1024 * 1024
        src = torch.empty(nbytes, dtype=torch.uint8, device=dev)
        dst = torch.empty_like(src)
        seconds = timed(lambda: dst.copy_(src), 10)
        result["d2d"] = {"bytes": nbytes, "gbs": 2.0 * nbytes / seconds / 1e9, "counting": "bytes read + bytes written"}

    text = json.dumps(result, indent=2)
    if args.out == "-":
        print(text)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
