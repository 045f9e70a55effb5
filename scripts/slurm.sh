#!/usr/bin/env bash
# A one-machine Slurm cluster for trying `srun` / `sbatch` (docs/cluster.md, "Slurm"): a munge
# daemon with its own key, a controller (slurmctld) and a node daemon (slurmd) for this machine,
# all listening on loopback only, their configuration and state in one directory
# (STEPWISE_SLURM_DIR, default /run/stepwise-slurm), ports STEPWISE_SLURM_PORT (default 6817)
# and the next. Needs Debian's slurm-wlm and munge.
#
#   scripts/slurm.sh up       start them (idempotent: a running set is stopped first) and wait
#                             until the node is idle
#   scripts/slurm.sh down     stop them and remove the directory (idempotent)
#   scripts/slurm.sh env      print `export SLURM_CONF=...` for srun, sbatch, sinfo
#
# Always give Slurm's clients SLURM_CONF (from `env`): without it they look the controller up in
# DNS.
set -euo pipefail

dir=${STEPWISE_SLURM_DIR:-/run/stepwise-slurm}
node=$(hostname -s)
# Ports on loopback: the controller's, and the next one for the node daemon.
port=${STEPWISE_SLURM_PORT:-6817}
# Task slots on the node: at least 4, so that a 2-core machine takes rank 0 plus a few training
# ranks (as `mpirun --oversubscribe` does); config_overrides lets slurmd declare more than it has.
cores=${STEPWISE_SLURM_CPUS:-$(( $(nproc) > 4 ? $(nproc) : 4 ))}

stop() {
  local f
  for f in slurmd slurmctld munged; do
    if [[ -f $dir/$f.pid ]]; then
      local pid
      pid=$(cat "$dir/$f.pid")
      kill "$pid" 2>/dev/null || true
      # Bounded wait for it to go.
      local i
      for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

down() {
  stop
  rm -rf "$dir"
}

up() {
  if [[ $(id -u) != 0 ]]; then echo "slurm.sh: needs root" >&2; exit 77; fi
  for tool in munged slurmctld slurmd srun; do
    command -v "$tool" >/dev/null || {
      echo "slurm.sh: $tool is missing (apt-get install slurm-wlm munge)" >&2
      exit 77
    }
  done
  if ! getent hosts "$node" | grep -q '^127\.'; then
    echo "slurm.sh: this machine's name '$node' must resolve to a loopback address (/etc/hosts)" >&2
    exit 1
  fi
  down
  trap 'down' ERR INT TERM
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  chmod 700 "$dir/munge"
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
  chmod 400 "$dir/munge/munge.key"
  # The daemons inherit none of the caller's files: a caller that waits for this script's
  # output to end, or (Swift's Process) for a socket it shares with its child to close, would
  # wait for them.
  exec 3>&1 4>&2
  exec </dev/null >>"$dir/log/start.log" 2>&1
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    ((fd > 4)) && eval "exec $fd>&-" 2>/dev/null || true
  done
  munged 3>&- 4>&- --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munge.seed"
  cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm.sh: one machine, loopback only.
ClusterName=stepwise
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
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
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
SlurmdParameters=config_overrides
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cores State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=60 State=UP OverSubscribe=YES
EOF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld 3>&- 4>&-
  slurmd -N "$node" 3>&- 4>&-
  exec 1>&3 2>&4 3>&- 4>&-
  # Bounded wait until the node takes jobs.
  local i state=
  for i in $(seq 1 100); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1)
    [[ $state == idle || $state == mixed ]] && break
    sleep 0.2
  done
  if [[ $state != idle && $state != mixed ]]; then
    echo "slurm.sh: the node is '$state' after 20 s; logs in $dir/log" >&2
    tail -5 "$dir"/log/*.log >&2
    down
    exit 1
  fi
  trap - ERR INT TERM
  echo "slurm up: node $node ($cores task slots), SLURM_CONF=$dir/slurm.conf"
}

case ${1:-} in
  up) up ;;
  down) down; echo "slurm down" ;;
  env) echo "export SLURM_CONF=$dir/slurm.conf" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
