#!/usr/bin/env bash
# Three "hosts" on this machine, for Open MPI over TCP (docs/cluster.md, "Several hosts on one
# machine"): network namespaces swnode1..3 (10.77.16.11-13/24, host names swnode1..3), each
# joined by a veth pair to a bridge that lives in a fourth namespace, swnet. Nothing is added
# to the root namespace: the hosts reach each other and nothing else (no route out, no DNS
# server to reach), and the machine's own network is untouched.
#
#   scripts/hosts.sh up               make them (idempotent: an existing set is replaced)
#   scripts/hosts.sh down             remove them (idempotent)
#   scripts/hosts.sh status           exit 0 when they are up
#   scripts/hosts.sh exec HOST CMD..  run CMD on HOST: in its namespace, with its host name
#   scripts/hosts.sh rsh HOST CMD..   the same, CMD being one shell string: Open MPI's
#                                     plm_rsh_agent (it starts its daemons as `agent HOST CMD`)
#   scripts/hosts.sh mpirun-args      print the mpirun options for these hosts (one a line)
#   scripts/hosts.sh cut HOST | mend HOST   pull / plug HOST's cable (its bridge port)
#
# Needs root and iproute2; `up` fails with a clear message otherwise. The host file it writes
# (STEPWISE_HOSTS_DIR, default /run/stepwise-hosts) puts 3 slots on swnode1 and 2 on the others.
set -euo pipefail

script=$(readlink -f "$0")
dir=${STEPWISE_HOSTS_DIR:-/run/stepwise-hosts}
subnet=10.77.16
hosts=(swnode1 swnode2 swnode3)
bridge_ns=swnet

address() { echo "$subnet.$((10 + ${1#swnode}))"; }
known() { local h; for h in "${hosts[@]}"; do [[ $h == "$1" ]] && return 0; done; return 1; }
need() {
  known "${1:-}" || { echo "hosts.sh: unknown host '${1:-}' (one of: ${hosts[*]})" >&2; exit 2; }
}

down() {
  local h
  for h in "${hosts[@]}" "$bridge_ns"; do
    # A host's processes (daemons and ranks of a job that was cut off) die with it.
    ip netns pids "$h" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$h" 2>/dev/null || true
    rm -rf "/etc/netns/$h"
  done
  rm -rf "$dir"
}

up() {
  if [[ $(id -u) != 0 ]]; then
    echo "hosts.sh: needs root (network namespaces); not made" >&2
    exit 77
  fi
  command -v ip >/dev/null || { echo "hosts.sh: needs iproute2 (ip)" >&2; exit 77; }
  if ip -o -4 addr show | grep -q " $subnet\." && ! ip netns list | grep -q "^$bridge_ns\b"; then
    echo "hosts.sh: $subnet.0/24 is in use on this machine; not made" >&2
    exit 1
  fi
  down
  # A half-made set is removed, whatever fails.
  trap 'down' ERR INT TERM
  ip netns add "$bridge_ns"
  ip -n "$bridge_ns" link add br0 type bridge
  ip -n "$bridge_ns" link set br0 up
  mkdir -p "$dir"
  : >"$dir/hostfile"
  local h
  for h in "${hosts[@]}"; do
    ip netns add "$h"
    ip link add "p-$h" netns "$bridge_ns" type veth peer name eth0 netns "$h"
    ip -n "$bridge_ns" link set "p-$h" master br0 up
    ip -n "$h" addr add "$(address "$h")/24" dev eth0
    ip -n "$h" link set eth0 up
    ip -n "$h" link set lo up
    # IPv4 only, so that every connection is to an address above.
    ip netns exec "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    # `ip netns exec` bind-mounts these over /etc: every host resolves every other by name
    # without DNS.
    mkdir -p "/etc/netns/$h"
    {
      echo "127.0.0.1 localhost"
      local g
      for g in "${hosts[@]}"; do echo "$(address "$g") $g"; done
    } >"/etc/netns/$h/hosts"
    : >"/etc/netns/$h/resolv.conf"
    if [[ $h == swnode1 ]]; then echo "$h slots=3" >>"$dir/hostfile"; else echo "$h slots=2" >>"$dir/hostfile"; fi
  done
  # Without spanning tree a bridge port forwards at once; wait (bounded) until all do.
  local i
  for i in $(seq 1 50); do
    [[ $(bridge -n "$bridge_ns" link show | grep -c 'state forwarding') == "${#hosts[@]}" ]] && break
    sleep 0.1
  done
  trap - ERR INT TERM
  echo "hosts up: ${hosts[*]} on $subnet.0/24 (host file $dir/hostfile)"
}

status() {
  local h
  for h in "${hosts[@]}" "$bridge_ns"; do ip netns list | grep -q "^$h\b" || return 1; done
  [[ -f $dir/hostfile ]]
}

# Runs "$@" on host $1, in its namespace with its own host name (a UTS namespace).
on() {
  local h=$1
  shift
  need "$h"
  exec ip netns exec "$h" unshare --uts -- /bin/sh -c 'hostname "$0" && exec "$@"' "$h" "$@"
}

case ${1:-} in
  up) up ;;
  down) down; echo "hosts down" ;;
  status) status ;;
  exec) shift; on "$@" ;;
  rsh)
    # Open MPI passes the remote command as words for a remote shell to join and run. As
    # with ssh, the daemon starts with a clean environment: only what Open MPI passes on
    # (its own variables and `mpirun -x NAME`) reaches the ranks there.
    shift
    h=${1:-}
    shift || true
    on "$h" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME="${HOME:-/root}" /bin/sh -c "$*"
    ;;
  mpirun-args)
    printf '%s\n' \
      --mca plm_rsh_agent "$script rsh" \
      --mca btl tcp,self --mca btl_tcp_if_include "$subnet.0/24" \
      --mca oob_tcp_if_include "$subnet.0/24"
    ;;
  cut) need "${2:-}"; ip -n "$bridge_ns" link set "p-$2" down ;;
  mend) need "${2:-}"; ip -n "$bridge_ns" link set "p-$2" up ;;
  *)
    sed -n '2,18p' "$script" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
