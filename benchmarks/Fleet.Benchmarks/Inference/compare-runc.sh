#!/usr/bin/env bash
# Compares `fleet infer run` (CPU engine) with llama2.c's run.c on random-weight checkpoints: token streams
# (greedy and seeded top-p sampling) and tok/s, same machine, same thread count, run back to back.
# Exit status 1 when a greedy stream differs.
# Usage: compare-runc.sh PATH/TO/run.c [FLEET_BINARY] [THREADS]
# run.c is not part of this repository: fetch it from karpathy/llama2.c yourself.
set -euo pipefail
RUNC_SRC=${1:?usage: compare-runc.sh PATH/TO/run.c [FLEET_BINARY] [THREADS]}
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
FLEET=${2:-}
THREADS=${3:-$(nproc)}
STEPS=${STEPS:-256}   # positions per run (0 = each model's seq_len)
REPEAT=${REPEAT:-3}   # best tok/s of REPEAT alternating runs each (the machine may be shared)
WORK=$(mktemp -d /tmp/fleet-runc.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [[ -z "$FLEET" ]]; then
  dotnet build "$REPO/src/Fleet.Cli" -c Release -o "$WORK/fleet" >/dev/null
  FLEET="$WORK/fleet/fleet"
fi
gcc -Ofast -fopenmp -march=native -o "$WORK/run" "$RUNC_SRC" -lm

PROMPT="Once upon a time, there was a little girl named Lily. She"
fail=0
# name | synth options
CONFIGS=(
  "stories-15m|--preset stories-15m"
  "stories-110m|--preset stories-110m"
  "gqa-untied|--dim 256 --hidden-dim 704 --layers 4 --heads 8 --kv-heads 2 --vocab 4096 --seq-len 256 --untied"
  "mqa-tied|--dim 192 --hidden-dim 512 --layers 3 --heads 6 --kv-heads 1 --vocab 2000 --seq-len 200"
)
printf '%-14s %-7s %11s %11s %11s %11s %7s %s\n' model mode "run.c best" "fleet best" "run.c med" "fleet med" "med %" "output bytes"
echo "threads=$THREADS steps=$STEPS repeat=$REPEAT $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for entry in "${CONFIGS[@]}"; do
  name=${entry%%|*}
  opts=${entry#*|}
  # shellcheck disable=SC2086
  "$FLEET" infer synth $opts --seed 11 --out "$WORK/$name.bin" --tokenizer-out "$WORK/$name.tok"
  for mode in greedy topp; do
    if [[ $mode == greedy ]]; then rargs=(-t 0); fargs=(--temperature 0); else rargs=(-t 1.0 -p 0.9 -s 42); fargs=(--temperature 1.0 --topp 0.9 --seed 42); fi
    : >"$WORK/rates"
    for _ in $(seq "$REPEAT"); do
      OMP_NUM_THREADS=$THREADS "$WORK/run" "$WORK/$name.bin" -z "$WORK/$name.tok" -n "$STEPS" -i "$PROMPT" "${rargs[@]}" >"$WORK/runc.out" 2>"$WORK/runc.err"
      "$FLEET" infer run --checkpoint "$WORK/$name.bin" --tokenizer "$WORK/$name.tok" --steps "$STEPS" --prompt "$PROMPT" --threads "$THREADS" "${fargs[@]}" >"$WORK/fleet.out" 2>"$WORK/fleet.err"
      echo "$(awk '/achieved tok\/s/ { print $3 }' "$WORK/runc.err") $(awk '/achieved tok\/s/ { print $3 }' "$WORK/fleet.err")" >>"$WORK/rates"
    done
    # best and median of the REPEAT back-to-back pairs (the median resists the shared machine's swings)
    rb=$(cut -d' ' -f1 "$WORK/rates" | sort -g | tail -1); fb=$(cut -d' ' -f2 "$WORK/rates" | sort -g | tail -1)
    rm=$(cut -d' ' -f1 "$WORK/rates" | sort -g | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2) }')
    fm=$(cut -d' ' -f2 "$WORK/rates" | sort -g | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2) }')
    # Greedy output must be byte-identical (the issue's check). Seeded top-p is reported, not required: both programs use
    # vectorised exp and sums whose last bits differ, and on a flat 32,000-token distribution that can move the coin's token.
    if cmp -s "$WORK/runc.out" "$WORK/fleet.out"; then same=identical; elif [[ $mode == greedy ]]; then same=DIFFERENT; fail=1; else same=differs; fi
    printf '%-14s %-7s %11.1f %11.1f %11.1f %11.1f %6.0f%% %s (%s bytes)\n' "$name" "$mode" "$rb" "$fb" "$rm" "$fm" \
      "$(awk -v a="$fm" -v b="$rm" 'BEGIN { print 100 * a / b }')" "$same" "$(wc -c <"$WORK/fleet.out")"
  done
done
exit $fail
