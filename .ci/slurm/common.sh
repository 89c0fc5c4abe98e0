# Shared by setup.sh, run.sh and stop.sh (sourced, not run).
# Everything the CI cluster writes lives under one folder, $SLURM_CI_DIR (default /tmp/fastmath-slurm-ci):
# slurm.conf, the munge key and socket, spool and state folders, daemon logs and pid files. The one file
# outside it is a symlink /etc/slurm/slurm.conf -> $SLURM_CI_DIR/etc/slurm.conf (setup.sh makes it
# only where no slurm.conf exists; stop.sh removes it): the plugin's job step runs `srun` with every
# SLURM_* variable except the job ids removed, SLURM_CONF included, so srun inside a job reads the
# default path.
SLURM_CI_DIR=${SLURM_CI_DIR:-/tmp/fastmath-slurm-ci}
export SLURM_CONF="$SLURM_CI_DIR/etc/slurm.conf"
SLURM_CI_PARTITION=${SLURM_CI_PARTITION:-ci}
SLURM_CI_CTLD_PORT=${SLURM_CI_CTLD_PORT:-6817}
SLURM_CI_SLURMD_PORT=${SLURM_CI_SLURMD_PORT:-6818}
SYSTEM_SLURM_CONF=/etc/slurm/slurm.conf

ci_log() { printf '[slurm-ci %(%H:%M:%S)T] %s\n' -1 "$*"; }

# sinfo/squeue/scontrol block (retrying for minutes) while slurmctld is down: always bound them.
sl() { timeout "${SL_TIMEOUT:-10}" "$@"; }
