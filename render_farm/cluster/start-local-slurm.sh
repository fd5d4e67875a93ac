#!/usr/bin/env bash
# start-local-slurm.sh - a real Slurm cluster on this one machine, for CI and for trying the
# farm's Slurm backend on a laptop. Installs Debian's slurm-wlm + munge when missing, writes
# /etc/slurm/slurm.conf, starts munged, slurmctld and FARM_SLURM_NODES slurmd "nodes" without
# systemd, and waits until every node is idle. Running it again while the cluster is up only
# checks it (0.2-0.3 s). Must run as root (Debian 12, slurm-wlm 22.05).
#
#   FARM_SLURM_NODES=2        slurmd daemons n1..nN on this host (ports 17001..), one CPU each,
#                             so array tasks visibly spread over several nodes (default 2)
#   FARM_SLURM_PARTITION=farm the partition name (default farm)
#   FARM_SLURM_STATE=DIR      where the pids of the daemons *this script* started are kept,
#                             so stop-local-slurm.sh ends those and nothing else
set -euo pipefail

STATE=${FARM_SLURM_STATE:-/run/galaxyreel-slurm}
NNODES=${FARM_SLURM_NODES:-2}
PART=${FARM_SLURM_PARTITION:-farm}
CONF=/etc/slurm/slurm.conf            # the path Debian's Slurm is compiled with
HOST=$(hostname -s)
say() { echo "[start-local-slurm] $(date +%T) $*" >&2; }

[ "$(id -u)" = 0 ] || { echo "start-local-slurm.sh: must run as root" >&2; exit 1; }
[ "$NNODES" -ge 1 ] || { echo "start-local-slurm.sh: FARM_SLURM_NODES must be >= 1" >&2; exit 1; }
mkdir -p "$STATE"

# 1. packages -------------------------------------------------------------------------------
missing=0
for b in slurmctld slurmd sbatch squeue scontrol munged; do command -v "$b" >/dev/null || missing=1; done
if [ "$missing" = 1 ]; then
  say "installing slurm-wlm munge"
  # No systemd here: the packages' postinst would try /etc/init.d/<svc> start. Forbid that
  # with a policy-rc.d for the duration (only if the machine has none); we start them ourselves.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

# 2. munge key and the directories systemd would normally create ------------------------------
if [ ! -s /etc/munge/munge.key ]; then
  say "creating a munge key"
  mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
    || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge /etc/munge/munge.key
chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key     # munged refuses a readable key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld /var/log/slurm
install -d -m 0755 /var/spool/slurmd

# 3. slurm.conf: N nodes on this host, each one CPU ---------------------------------------------
# RealMemory 10% under what slurmd reports: a node reporting less than configured is drained.
MEM=$(slurmd -C | head -1 | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p'); MEM=$(( MEM * 9 / 10 / NNODES ))
NODES=$(seq -f 'n%g' 1 "$NNODES" | tr '\n' ' ')
NODE_LINES=""
for i in $(seq "$NNODES"); do
  NODE_LINES+="NodeName=n$i NodeHostname=$HOST NodeAddr=127.0.0.1 Port=$((17000 + i)) CPUs=1 RealMemory=$MEM State=UNKNOWN"$'\n'
  install -d -m 0755 "/var/spool/slurmd/n$i"
done
mkdir -p /etc/slurm
cat > "$CONF.new" <<CONFEOF
# written by galaxyreel render_farm/cluster/start-local-slurm.sh
ClusterName=galaxyreel
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SchedulerType=sched/backfill
# sched_interval=1: a submitted task starts within ~1 s instead of up to 60 s
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd-%n.pid
SlurmctldPort=6817
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd/%n
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
MessageTimeout=10
SlurmdTimeout=30
InactiveLimit=0
# finished jobs stay visible to scontrol for 5 min (no slurmdbd/sacct here)
MinJobAge=300
KillWait=5
MaxArraySize=10001
$NODE_LINES
PartitionName=$PART Nodes=n[1-$NNODES] Default=YES MaxTime=INFINITE State=UP
CONFEOF
conf_changed=0
if cmp -s "$CONF.new" "$CONF"; then rm -f "$CONF.new"; else mv "$CONF.new" "$CONF"; conf_changed=1; fi
chmod 644 "$CONF"

# 4. daemons ----------------------------------------------------------------------------------
alive() { [ -s "$2" ] && [ "$(cat "/proc/$(cat "$2")/comm" 2>/dev/null)" = "$1" ]; }  # comm pidfile
# launch TAG PIDFILE CMD...: TAG is comm or comm@node. The daemon forks and writes PIDFILE;
# we keep a copy in $STATE/TAG.pid. Returns 1 when it was already running (not ours to record).
launch() {
  local tag=$1 pidf=$2 comm=${1%%@*}; shift 2
  if alive "$comm" "$pidf"; then say "$tag already running (pid $(cat "$pidf"))"; return 1; fi
  say "starting $tag"; rm -f "$pidf"
  "$@"
  for _ in $(seq 100); do alive "$comm" "$pidf" && break; sleep 0.1; done
  alive "$comm" "$pidf" || { echo "start-local-slurm.sh: $tag did not start" >&2; exit 1; }
  cp "$pidf" "$STATE/$tag.pid"
}
launch munged /run/munge/munged.pid runuser -u munge -- /usr/sbin/munged || true
munge -n | unmunge >/dev/null || { echo "start-local-slurm.sh: munge round-trip failed" >&2; exit 1; }
if ! launch slurmctld /run/slurmctld.pid /usr/sbin/slurmctld -i; then
  [ "$conf_changed" = 1 ] && scontrol reconfigure
fi
for n in $NODES; do launch "slurmd@$n" "/run/slurmd-$n.pid" /usr/sbin/slurmd -N "$n" || true; done

# 5. ready when every node of the partition is idle (or busy with our jobs) ---------------------
st=""
for i in $(seq 120); do
  st=$(sinfo -h -N -p "$PART" -o %T 2>/dev/null || true)
  if [ -n "$st" ] && ! echo "$st" | grep -qvE '^(idle|mixed|allocated|completing)$'; then
    say "nodes n[1-$NNODES] ready ($(echo $st)) after ~$((i / 2)) s"; exit 0
  fi
  if echo "$st" | grep -qE 'drain|down'; then
    scontrol update NodeName="n[1-$NNODES]" State=RESUME 2>/dev/null || true
  fi
  sleep 0.5
done
echo "start-local-slurm.sh: Slurm did not become ready (node states: ${st:-none})" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd-*.log >&2 || true
exit 1
