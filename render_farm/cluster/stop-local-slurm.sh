#!/usr/bin/env bash
# stop-local-slurm.sh - stop the daemons start-local-slurm.sh started (their pids are in
# $FARM_SLURM_STATE) and nothing else; cancels the cluster's jobs first so no job process
# outlives its slurmd. Safe to run twice, or when nothing was started.
set -uo pipefail
STATE=${FARM_SLURM_STATE:-/run/galaxyreel-slurm}
say() { echo "[stop-local-slurm] $(date +%T) $*" >&2; }
[ -d "$STATE" ] || exit 0

if [ -s "$STATE/slurmctld.pid" ] && command -v squeue >/dev/null; then
  jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    say "cancelling jobs $jobs"
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 30); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
  fi
fi

stop() {   # $1: our pid file, named <comm>[@node].pid
  local f=$1 tag comm pid
  tag=$(basename "$f" .pid); comm=${tag%%@*}; pid=$(cat "$f")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$comm" ]; then   # gone, or the pid was reused
    say "$tag (pid $pid) is not running"; rm -f "$f"; return 0
  fi
  say "stopping $tag (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then say "$tag ignored TERM; KILL"; kill -KILL "$pid"; fi
  rm -f "$f"
  # The daemons leave their own pid file behind; a stale /run/slurmctld.pid makes the package's
  # prerm call scancel (which then fails), so remove it when it is this pid's.
  for own in "/run/$comm.pid" "/run/$comm-${tag#*@}.pid"; do
    [ "$(cat "$own" 2>/dev/null)" = "$pid" ] && rm -f "$own"
  done
  return 0
}
shopt -s nullglob
for f in "$STATE"/slurmd@*.pid "$STATE"/slurmctld.pid "$STATE"/munged.pid; do
  [ -s "$f" ] && stop "$f"
done
exit 0
