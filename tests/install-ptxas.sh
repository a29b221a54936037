#!/usr/bin/env bash
# Installs NVIDIA's ptxas (no GPU needed) into DEST for the PTX tests: downloads Debian 12's nvidia-cuda-toolkit 11.8
# (component non-free; ptxas, cuobjdump and nvdisasm are in that package itself) with `apt-get download` against a
# sources list of its own in DEST, so the system's sources and package state stay untouched, and unpacks it with
# `dpkg -x`. Prints the ptxas path on stdout; exits non-zero with the reason on stderr when it cannot.
#   tests/install-ptxas.sh DEST
set -euo pipefail
dest=${1:?usage: install-ptxas.sh DEST}
mirror=${FLEET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$dest/apt/lists/partial" "$dest/apt/cache/archives/partial" "$dest/deb" "$dest/root"
dest=$(cd "$dest" && pwd)

fail() { echo "install-ptxas: $*" >&2; exit 1; }
command -v apt-get >/dev/null && command -v dpkg >/dev/null || fail "apt-get and dpkg are needed (a Debian machine)"
[ -r "$keyring" ] || fail "$keyring is missing (apt-get install debian-archive-keyring)"

# Pinned to bookworm: its ptxas 11.8 knows sm_90 and PTX ISA up to 7.8, the ISA the tests emit.
echo "deb [signed-by=$keyring] $mirror bookworm non-free" >"$dest/apt/sources.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$dest/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$dest/apt/lists" -o "Dir::Cache=$dest/apt/cache" -o Dir::State::status=/dev/null
  -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false" -o APT::Sandbox::User="$(id -un)")
apt-get "${apt_opts[@]}" update >"$dest/apt/update.log" 2>&1 || { cat "$dest/apt/update.log" >&2; fail "apt-get update against $mirror bookworm non-free failed"; }
(cd "$dest/deb" && apt-get "${apt_opts[@]}" download nvidia-cuda-toolkit) >"$dest/apt/download.log" 2>&1 \
  || { cat "$dest/apt/download.log" >&2; fail "apt-get download nvidia-cuda-toolkit failed"; }
deb=$(ls "$dest"/deb/nvidia-cuda-toolkit_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no nvidia-cuda-toolkit .deb was downloaded"
dpkg -x "$deb" "$dest/root" || fail "dpkg -x $deb failed"
rm -f "$deb"
ptxas="$dest/root/usr/bin/ptxas"
[ -x "$ptxas" ] || fail "$deb has no usr/bin/ptxas"
"$ptxas" --version >&2 || fail "$ptxas does not run"
echo "$ptxas"
