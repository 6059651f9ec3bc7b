#!/usr/bin/env bash
# A throwaway one-node Slurm cluster for tests, entirely inside DIR:
#   tests/slurm_cluster.sh start DIR   munged (as the munge user), slurmctld and
#                                      slurmd with DIR/slurm.conf; waits until
#                                      the node is idle; exit 1 with the reason
#                                      (and the daemons' logs) when it cannot
#   tests/slurm_cluster.sh stop DIR    stops the three daemons by their PIDs
# Clients use it with SLURM_CONF=DIR/slurm.conf.
set -uo pipefail

cmd=${1:?start|stop}
dir=${2:?DIR}

die() {
  echo "slurm_cluster: cannot start a one-node Slurm: $*" >&2
  for log in "$dir"/munge/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log; do
    [[ -f "$log" ]] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
  done
  exit 1
}

stop_pidfile() {
  local f=$1 pid
  [[ -f "$f" ]] || return 0
  pid=$(cat "$f" 2>/dev/null) || return 0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

if [[ "$cmd" == stop ]]; then
  stop_pidfile "$dir/slurmd.pid"
  stop_pidfile "$dir/slurmctld.pid"
  stop_pidfile "$dir/munge/munged.pid"
  exit 0
fi
[[ "$cmd" == start ]] || { echo "usage: slurm_cluster.sh start|stop DIR" >&2; exit 2; }

for tool in munged slurmctld slurmd sbatch sinfo runuser; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
  command -v "$tool" >/dev/null || die "'$tool' is not installed (scripts/install-deps.sh installs slurm-wlm and munge)"
done
[[ $(id -u) -eq 0 ]] || die "the test must run as root to start munged as the munge user and slurmd"
id munge >/dev/null 2>&1 || die "there is no munge user (is the munge package installed?)"
[[ -r /etc/munge/munge.key ]] || die "no /etc/munge/munge.key (create it with: mungekey -c)"

# munged wants its socket folder owned by munge, mode 755, reachable by all.
mkdir -p "$dir" && chmod 755 "$dir"
runuser -u munge -- test -x "$dir" ||
  die "the munge user cannot reach $dir (a parent folder is private; make the folders above it mode 755)"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chown munge:munge "$dir/munge"
chmod 755 "$dir/munge"
socket="$dir/munge/munge.socket"
runuser -u munge -- munged --socket="$socket" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" ||
  die "munged failed to start"

# Ports from the PID keep parallel test runs on one machine apart.
ctld_port=$((20000 + $$ % 20000))
slurmd_port=$((ctld_port + 1))
node=$(hostname -s)
node_line=$(slurmd -C 2>/dev/null | head -n 1)
[[ "$node_line" == NodeName=* ]] || die "slurmd -C could not describe this machine"
cat >"$dir/slurm.conf" <<EOF
ClusterName=cardsimtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
sed -i 's/ UpTime=[^ ]*//' "$dir/slurm.conf"

slurmctld -f "$dir/slurm.conf" -c || die "slurmctld failed to start"
slurmd -f "$dir/slurm.conf" || die "slurmd failed to start"

export SLURM_CONF="$dir/slurm.conf"
for _ in $(seq 300); do
  state=$(sinfo -h -n "$node" -o %t 2>/dev/null | head -n 1)
  [[ "$state" == idle ]] && exit 0
  sleep 0.1
done
die "the node did not become idle within 30 s (state: '${state:-no answer}')"
