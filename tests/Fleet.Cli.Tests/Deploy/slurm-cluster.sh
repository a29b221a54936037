#!/usr/bin/env bash
# A throwaway single-node Slurm cluster in DIR (munge, slurmctld, slurmd from Debian's packages), for the deploy tests.
#   slurm-cluster.sh start DIR   configure and start; prints SLURM_CONF=... on success
#   slurm-cluster.sh stop DIR    stop the daemons started in DIR
# Runs as root (slurmd launches jobs as their users). The node advertises gpu:8 through stand-in device files, so the
# batch script's --gres=gpu:8 is scheduled unchanged on a CPU-only machine (the agent then runs with CPU stand-ins).
set -euo pipefail
cmd=$1
dir=$(readlink -f "$2")
node=fleet-test-node

stop() {
  for p in slurmd slurmctld munged; do
    if [ -f "$dir/$p.pid" ]; then kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; fi
  done
  for p in slurmd slurmctld munged; do
    for _ in $(seq 50); do
      [ -f "$dir/$p.pid" ] && kill -0 "$(cat "$dir/$p.pid")" 2>/dev/null || break
      sleep 0.1
    done
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$dir"/{ctld,spool,log}
chmod 755 "$dir"
dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge.key"
munged --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munged.seed" --force
cpus=$(nproc)
cat >"$dir/slurm.conf" <<CONF
ClusterName=fleettest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/builtin
MinJobAge=600
GresTypes=gpu
NodeName=$node NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 Gres=gpu:8 State=UNKNOWN
PartitionName=gpu Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
# gres/gpu counts device files; stand-in files make a CPU-only node offer gpu:8 (nothing opens them: TaskPlugin=task/none).
mkdir -p "$dir/dev"
for i in 0 1 2 3 4 5 6 7; do : >"$dir/dev/nvidia$i"; done
echo "Name=gpu File=$dir/dev/nvidia[0-7]" >"$dir/gres.conf"
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF" -N "$node"
for _ in $(seq 150); do
  state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
  case "$state" in idle*) echo "SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.2
done
echo "node did not become idle (state '$state')" >&2
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
exit 1
