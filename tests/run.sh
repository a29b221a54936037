#!/usr/bin/env bash
# Runs the whole Fleet test suite on a fresh machine: restore, build, a throwaway PostgreSQL, Debian's Chromium,
# every test project. Ends with one line: "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/fleet-tests.XXXXXX)
chmod 755 "$work"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export FLEET_REQUIRE_POSTGRES=1

say() { printf '\n== %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq >&2; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >&2
}

# --- PostgreSQL: a throwaway cluster from the machine's binaries, as the postgres user (initdb refuses root).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  say "installing PostgreSQL"
  apt_install postgresql
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
pg_port=${FLEET_PG_PORT:-55432}
pg_data="$work/pg"
pg_logs="$work/pglogs"
mkdir -p "$pg_data" "$pg_logs"
run_pg() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$work" postgres
    chown -R postgres "$pg_data" "$pg_logs"
    su postgres -s /bin/sh -c "cd / && $*"
  else
    sh -c "$*"
  fi
}
say "starting PostgreSQL on 127.0.0.1:$pg_port"
run_pg "'$pg_bin/initdb' -D '$pg_data' -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >'$pg_logs/initdb.log' 2>&1" \
  || { cat "$pg_logs/initdb.log" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
run_pg "'$pg_bin/pg_ctl' -D '$pg_data' -l '$pg_logs/pg.log' -w -t 60 -o \"-p $pg_port -k '$pg_data' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start >&2" \
  || { cat "$pg_logs/pg.log" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
cleanup() { run_pg "'$pg_bin/pg_ctl' -D '$pg_data' -m immediate stop >/dev/null 2>&1"; rm -rf "$work"; }
trap cleanup EXIT
export FLEET_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Pooling=true;Maximum Pool Size=50"

# A part the suite needs that cannot be installed fails the run; it never lets the tests that need it skip.
require() { echo "tests/run.sh: $1" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# --- Chromium for the end-to-end tests (Debian's build; Playwright drives it, never downloads its own).
if ! command -v chromium >/dev/null 2>&1; then
  say "installing Debian's chromium"
  apt_install chromium fonts-dejavu-core || require "Debian's chromium could not be installed (the browser tests need it)"
fi
FLEET_CHROMIUM=$(command -v chromium) || require "chromium is not on PATH after installing it"
export FLEET_CHROMIUM

# --- docker-compose, to validate docker-compose.yml (no Docker engine is needed for 'docker-compose config').
if ! command -v docker-compose >/dev/null 2>&1; then
  say "installing Debian's docker-compose"
  apt_install docker-compose || require "Debian's docker-compose could not be installed (the compose file test needs it)"
fi

# --- Slurm for the deploy test (Debian's munge, slurmctld, slurmd; the test runs a single-node cluster in its own folder).
if ! { [ -x /usr/sbin/munged ] && [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && command -v sbatch >/dev/null 2>&1; }; then
  say "installing Debian's munge and Slurm"
  apt_install munge slurmctld slurmd slurm-client || true
fi

# --- ptxas for the PTX tests: Debian's nvidia-cuda-toolkit 11.8 (non-free), fetched and unpacked in this run's folder.
if [ -z "${FLEET_PTXAS:-}" ] || [ ! -x "$FLEET_PTXAS" ]; then
  say "installing ptxas (Debian's nvidia-cuda-toolkit, unpacked in $work/ptxas)"
  FLEET_PTXAS=$(tests/install-ptxas.sh "$work/ptxas") || require "ptxas could not be installed (the PTX tests need it)"
fi
export FLEET_PTXAS FLEET_REQUIRE_PTXAS=1

# --- gcc and python3 for the stand-in CUDA driver/cuBLAS (tests/Fleet.Gpu.Tests/StandIn/build.sh) and benchmarks/gpu/compare.py.
if ! command -v gcc >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  say "installing Debian's gcc and python3"
  apt_install gcc libc6-dev python3 || require "Debian's gcc/python3 could not be installed (the stand-in CUDA tests need them)"
fi

# --- Restore and build once.
say "restore and build"
if ! dotnet tool restore >&2 || ! dotnet build Fleet.sln -c Release >"$work/build.log" 2>&1; then
  grep -E "error|Error" "$work/build.log" | sort -u | head -50 >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# --- Every test project.
say "testing"
results="$work/results"
dotnet test Fleet.sln -c Release --no-build --results-directory "$results" \
  --logger "trx" --logger "console;verbosity=normal" 2>&1 | tee "$work/test.log" | grep -E "^\s+(Failed|Skipped) |Passed!|Failed!|error" >&2
status=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  # A skipped test is counted in total but not executed.
  skipped=$((skipped + $(get total) - $(get executed)))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run broke outside any test (a crashed test host, say): count it as a failure.
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  # Why each test failed, before the results directory goes with the work directory.
  say "failures"
  grep -A 20 -E "^\s+Failed " "$work/test.log" | head -n 600 >&2 || true
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
