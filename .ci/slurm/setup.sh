#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for CI: munged, slurmctld and slurmd, no slurmdbd
# (the profile's status command is squeue, so no accounting database is needed).
#   bash .ci/slurm/setup.sh   installs slurm-wlm + munge if missing, writes the config under
#                             $SLURM_CI_DIR, starts the three daemons, waits until the node is idle
#   bash .ci/slurm/stop.sh    stops exactly those daemons (their pid files are under $SLURM_CI_DIR/run)
# Needs root (apt-get, and the daemons run as root). Afterwards, point Slurm commands at this cluster
# with: export SLURM_CONF=$SLURM_CI_DIR/etc/slurm.conf
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/common.sh"
START=$SECONDS

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: needs root (apt-get, slurmd)" >&2
  exit 1
fi

# 1. Packages (Debian 12: Slurm 22.05, munge 0.5.15). --no-install-recommends keeps it to the daemons
#    and clients; apt must not start the services itself (there is no init system in CI).
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
   || ! command -v sbatch >/dev/null; then
  ci_log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null
fi
ci_log "$(slurmctld -V), $(munged -V 2>&1 | head -1)"

if [ -e "$SYSTEM_SLURM_CONF" ] && [ "$(readlink "$SYSTEM_SLURM_CONF")" != "$SLURM_CONF" ]; then
  echo "setup.sh: $SYSTEM_SLURM_CONF exists and is not this CI cluster's: not a machine for a test cluster" >&2
  exit 1
fi

# 2. A clean state folder. A cluster left by an earlier run is stopped first (by its pid files only).
if [ -d "$SLURM_CI_DIR/run" ]; then
  bash "$HERE/stop.sh" || true
fi
rm -rf "$SLURM_CI_DIR"
mkdir -p "$SLURM_CI_DIR"/{etc,munge,run,log,state,spool}
chmod 700 "$SLURM_CI_DIR/munge"

# 3. munge: a fresh key, and a daemon of our own on a socket of our own (a system munged, if any,
#    is left alone).
mungekey --create --keyfile="$SLURM_CI_DIR/munge/munge.key"
chmod 400 "$SLURM_CI_DIR/munge/munge.key"
MUNGE_SOCKET="$SLURM_CI_DIR/munge/munge.socket"

# 4. slurm.conf for this node: its real CPU layout and memory, as slurmd measures them.
NODE=$(hostname -s)
HW=$(slurmd -C | head -1 | sed -E 's/^NodeName=[^ ]+ //')   # CPUs=.. Boards=.. ... RealMemory=..
# The plugin asks `squeue` for a job's state; squeue forgets a finished job MinJobAge seconds after it
# ends, so MinJobAge must exceed the longest gap between two status checks. The plugin's gap starts at
# slurm_init_seconds_before_status_checks, grows by 10 s per round without a finished job and is capped
# at 180 s; the plugin itself falls back to sacct (which needs slurmdbd) when MinJobAge is under 3x the
# initial gap (40 s by default; 2 s in profiles/slurm-ci). 1800 s covers the cap ten times over, and
# keeps every job of a CI run listed for run.sh's own checks (`squeue --states=all`).
MIN_JOB_AGE=${SLURM_CI_MIN_JOB_AGE:-1800}
cat > "$SLURM_CONF" <<EOF
# Written by .ci/slurm/setup.sh: a single-node CI cluster on 127.0.0.1.
ClusterName=fastmath-ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$SLURM_CI_CTLD_PORT
SlurmdPort=$SLURM_CI_SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$SLURM_CI_DIR/state
SlurmdSpoolDir=$SLURM_CI_DIR/spool
SlurmctldPidFile=$SLURM_CI_DIR/run/slurmctld.pid
SlurmdPidFile=$SLURM_CI_DIR/run/slurmd.pid
SlurmctldLogFile=$SLURM_CI_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_CI_DIR/log/slurmd.log
# No cgroups in a CI container: track processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
# No slurmdbd: no accounting storage; job state comes from slurmctld (squeue).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=$MIN_JOB_AGE
ReturnToService=2
SlurmctldTimeout=60
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
Waittime=0
SlurmctldDebug=info
SlurmdDebug=info
# No GRES: the CI node has no GPU and the smoke preset asks for none.
NodeName=$NODE NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=$SLURM_CI_PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

mkdir -p "$(dirname "$SYSTEM_SLURM_CONF")"
ln -sfn "$SLURM_CONF" "$SYSTEM_SLURM_CONF"

# 5. Daemons. Each writes its pid file under $SLURM_CI_DIR/run; stop.sh kills those pids only (and a
#    failure from here on stops what was started).
trap 'echo "setup.sh: failed; stopping what it started" >&2; bash "$HERE/stop.sh"' ERR
munged --force --key-file="$SLURM_CI_DIR/munge/munge.key" --socket="$MUNGE_SOCKET" \
  --pid-file="$SLURM_CI_DIR/run/munged.pid" --log-file="$SLURM_CI_DIR/log/munged.log" \
  --seed-file="$SLURM_CI_DIR/munge/munged.seed"
timeout 10 bash -c "until munge -S '$MUNGE_SOCKET' -n </dev/null | unmunge -S '$MUNGE_SOCKET' >/dev/null 2>&1; do sleep 0.2; done" \
  || { echo "setup.sh: munged does not answer" >&2; cat "$SLURM_CI_DIR/log/munged.log" >&2; bash "$HERE/stop.sh"; exit 1; }
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$NODE"

# 6. Wait for the node to register and turn idle (sinfo blocks while slurmctld is not up yet: every
#    call is under `timeout`).
DEADLINE=$((SECONDS + ${SLURM_CI_START_TIMEOUT:-90}))
STATE=""
while [ $SECONDS -lt $DEADLINE ]; do
  STATE=$(SL_TIMEOUT=5 sl sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -1 || true)
  [ "$STATE" = idle ] && break
  sleep 1
done
if [ "$STATE" != idle ]; then
  echo "setup.sh: node $NODE is '${STATE:-unreachable}', not idle, after ${SLURM_CI_START_TIMEOUT:-90} s" >&2
  tail -n 30 "$SLURM_CI_DIR/log/slurmctld.log" "$SLURM_CI_DIR/log/slurmd.log" >&2 || true
  bash "$HERE/stop.sh"
  exit 1
fi
trap - ERR
ci_log "cluster up in $((SECONDS - START)) s: node $NODE ($HW), partition $SLURM_CI_PARTITION, SLURM_CONF=$SLURM_CONF"
