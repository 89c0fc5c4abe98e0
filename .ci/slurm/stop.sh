#!/usr/bin/env bash
# Stops the CI cluster that setup.sh started: cancels its jobs, then ends slurmd, slurmctld and munged
# by the pids in their pid files under $SLURM_CI_DIR/run (each checked against the daemon's name, so a
# reused pid is never hit). Safe to run twice, or when setup.sh failed half-way.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/common.sh"

remove_conf_link() {
  if [ -L "$SYSTEM_SLURM_CONF" ] && [ "$(readlink "$SYSTEM_SLURM_CONF")" = "$SLURM_CONF" ]; then
    rm -f "$SYSTEM_SLURM_CONF"
  fi
}
trap remove_conf_link EXIT
[ -d "$SLURM_CI_DIR/run" ] || exit 0

daemon_pid() {  # pidfile name -> pid, if that process is alive and is that daemon
  local file="$SLURM_CI_DIR/run/$1.pid" pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc 0-9 < "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$1" ] || return 1
  echo "$pid"
}

# Jobs first, while the controller still answers (their slurmstepd processes end with them).
if daemon_pid slurmctld >/dev/null; then
  JOBS=$(sl squeue -h -o '%i' 2>/dev/null | tr '\n' ' ')
  if [ -n "${JOBS// /}" ]; then
    ci_log "cancelling jobs still on the cluster: $JOBS"
    sl scancel $JOBS 2>/dev/null
    for _ in $(seq 20); do
      [ -z "$(sl squeue -h -t running,completing -o '%i' 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
fi

for daemon in slurmd slurmctld munged; do
  pid=$(daemon_pid "$daemon") || continue
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 50); do
    [ -d "/proc/$pid" ] || break
    sleep 0.2
  done
  if [ -d "/proc/$pid" ]; then
    ci_log "$daemon ($pid) ignored SIGTERM for 10 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
  ci_log "stopped $daemon ($pid)"
done
rm -f "$SLURM_CI_DIR"/run/*.pid
