#!/usr/bin/env bash
# CI's Slurm stage: the smoke preset run locally and through profiles/slurm + profiles/slurm-ci on the
# one-node cluster of setup.sh, results compared, then one training job that must fail through Slurm.
# Prints one PASS/FAIL line per check; exits non-zero if any check failed.
#   bash .ci/slurm/run.sh
# Uses a running CI cluster if there is one (.ci/run starts it with setup.sh); otherwise starts one
# itself and stops it on exit. Needs the project's .venv (bash .ci/setup). Run folders stay under
# $WORK (printed) for inspection.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
source "$HERE/common.sh"

PRESET_NAME=smoke
PRESET="$REPO/config/presets/$PRESET_NAME.yaml"
SNAKEMAKE="$REPO/.venv/bin/snakemake"
PYTHON="$REPO/.venv/bin/python"
PROFILES=(--profile "$REPO/profiles/slurm" --profile "$REPO/profiles/slurm-ci")
# Snakemake gets SIGINT at the limit (on SIGINT it scancels its Slurm jobs; it has been seen to ignore
# SIGTERM once its status checks failed), SIGKILL a minute later. --foreground: without it, timeout
# sends the signal to Snakemake and then again to its whole process group, and the second SIGINT
# interrupts Snakemake's scancel half-way (KeyboardInterrupt in cancel_jobs, jobs left running).
SMK_TIMEOUT=${SLURM_CI_SNAKEMAKE_TIMEOUT:-900}
export PATH="$REPO/.venv/bin:$PATH" HF_HUB_OFFLINE=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fastmath-slurm-run.XXXXXX")

FAILED=0
CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); echo "PASS: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
show() { echo "----- last lines of $1"; tail -n "${2:-40}" "$1" | sed 's/^/    /'; echo "-----"; }

cluster_up() {
  local pid
  [ -s "$SLURM_CI_DIR/run/slurmctld.pid" ] || return 1
  pid=$(tr -dc 0-9 < "$SLURM_CI_DIR/run/slurmctld.pid")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  [ -n "$(sl sinfo -h -p "$SLURM_CI_PARTITION" -o '%a' 2>/dev/null | grep -x up)" ]
}

STARTED_CLUSTER=0
cleanup() { [ "$STARTED_CLUSTER" = 1 ] && bash "$HERE/stop.sh"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if cluster_up; then
  ci_log "using the running CI cluster ($SLURM_CONF)"
else
  STARTED_CLUSTER=1
  bash "$HERE/setup.sh" || { fail "Slurm CI cluster did not start"; exit 1; }
fi
ci_log "run folders under $WORK"

smk() {  # smk <dir> <log> <snakemake args...>: Snakemake in <dir>, bounded by SMK_TIMEOUT
  local dir=$1 log=$2
  shift 2
  mkdir -p "$dir"
  (cd "$dir" && timeout --foreground --signal=INT --kill-after=60 "$SMK_TIMEOUT" "$SNAKEMAKE" -s "$REPO/Snakefile" "$@" >"$log" 2>&1)
}

# 1. The smoke preset, locally, as the README runs it.
T0=$SECONDS
smk "$WORK/local" "$WORK/local.log" --cores 2 reproduce --configfile "$PRESET"
RC=$?
LOCAL_S=$((SECONDS - T0))
if [ $RC = 0 ]; then
  pass "smoke preset, local executor (--cores 2): $LOCAL_S s"
else
  fail "smoke preset, local executor: exit $RC after $LOCAL_S s"
  show "$WORK/local.log"
fi

# 2. The same through Slurm. --verbose logs each sbatch call (checked in 3).
T0=$SECONDS
smk "$WORK/slurm" "$WORK/slurm.log" "${PROFILES[@]}" --verbose reproduce --configfile "$PRESET"
RC=$?
SLURM_S=$((SECONDS - T0))
SUBMITTED=$(grep -c "has been submitted with SLURM jobid" "$WORK/slurm.log")
RUN_ID=$(grep -o "SLURM run ID: [0-9a-f-]*" "$WORK/slurm.log" | head -1 | cut -d' ' -f4)
sl squeue --states=all -h --name "${RUN_ID:-none}" -o '%i|%T|%V|%S|%e' > "$WORK/squeue.txt" 2>/dev/null
if [ $RC = 0 ] && [ "$SUBMITTED" -gt 0 ]; then
  pass "smoke preset through Slurm (profiles/slurm + profiles/slurm-ci): $SUBMITTED Slurm jobs, $SLURM_S s"
else
  fail "smoke preset through Slurm: exit $RC after $SLURM_S s, $SUBMITTED jobs submitted"
  show "$WORK/slurm.log" 60
fi
if [ $RC = 0 ]; then
  NOT_DONE=$(awk -F'|' '$2 != "COMPLETED"' "$WORK/squeue.txt" | wc -l)
  if [ "$NOT_DONE" = 0 ] && [ "$(wc -l < "$WORK/squeue.txt")" -ge "$SUBMITTED" ]; then
    pass "Slurm reports all $SUBMITTED jobs COMPLETED (squeue, no slurmdbd)"
  else
    fail "Slurm job states: $(cut -d'|' -f2 "$WORK/squeue.txt" | sort | uniq -c | tr '\n' ' ')"
  fi
fi

# 3. gpu=0 (every rule of the smoke preset) must not become a GPU request: the CI node has no GPU GRES,
#    so Slurm refuses any --gpus/--gres; the plugin must leave them out.
CALLS=$(grep -c "sbatch call:" "$WORK/slurm.log")
GPU_CALLS=$(grep "sbatch call:" "$WORK/slurm.log" | grep -c -e "--gpus" -e "--gres")
if [ "$CALLS" -gt 0 ] && [ "$GPU_CALLS" = 0 ]; then
  pass "no sbatch call asks for GPUs ($CALLS calls; rules sft, grpo, evaluate have gpu=0)"
else
  fail "$GPU_CALLS of $CALLS sbatch calls ask for --gpus/--gres"
  grep "sbatch call:" "$WORK/slurm.log" | grep -e "--gpus" -e "--gres" | head -3
fi
REFUSAL=$(sl sbatch --test-only -p "$SLURM_CI_PARTITION" --gpus=1 --wrap=true 2>&1)
if [ $? != 0 ] && grep -q "Invalid generic resource" <<<"$REFUSAL"; then
  pass "the CI cluster refuses --gpus=1 (\"$(grep -o 'Invalid generic resource[^.]*' <<<"$REFUSAL" | head -1)\")"
else
  fail "the CI cluster accepted --gpus=1 or failed otherwise: $REFUSAL"
fi

# 4. Same numbers: CPU training is deterministic at a fixed thread count (threads: 1 per job, and the
#    `original` rule with 2 threads both locally (--cores 2) and through Slurm (set-threads original=2)).
if "$PYTHON" "$HERE/report.py" compare "$WORK/local" "$WORK/slurm" "$PRESET_NAME"; then
  pass "local and Slurm results are identical (tables, metrics, training curves)"
else
  fail "local and Slurm results differ"
fi

# 5. Timings (information, no check).
ci_log "local run $LOCAL_S s, Slurm run $SLURM_S s; per job through Slurm:"
"$PYTHON" "$HERE/report.py" latency "$WORK/slurm.log" "$WORK/squeue.txt" "$WORK/slurm"

# 6. A job that fails at run time, through Slurm: an optimizer name that passes the config schema but
#    that transformers' TrainingArguments (TRL's SFTConfig) refuses. Rerun in the Slurm run's folder,
#    so that only that job (sft-e1, its params changed) runs.
printf 'sft:\n  trainer:\n    optim: not_an_optimizer\n' > "$WORK/broken-optimizer.yaml"
T0=$SECONDS
smk "$WORK/slurm" "$WORK/fail.log" "${PROFILES[@]}" "results/$PRESET_NAME/models/sft-e1" \
  --configfile "$PRESET" "$WORK/broken-optimizer.yaml"
RC=$?
FAIL_S=$((SECONDS - T0))
FAIL_JOBS=$(grep -c "has been submitted with SLURM jobid" "$WORK/fail.log")
if [ $RC != 0 ] && [ $RC != 124 ] && [ $RC != 137 ] && grep -q "^Error in rule sft:" "$WORK/fail.log"; then
  pass "a failing training job through Slurm: Snakemake exits $RC after $FAIL_S s and reports 'Error in rule sft' ($FAIL_JOBS job submitted)"
else
  fail "failing training job: Snakemake exit $RC after $FAIL_S s (124/137: timed out), 'Error in rule sft' $(grep -q '^Error in rule sft:' "$WORK/fail.log" && echo reported || echo 'not reported')"
  show "$WORK/fail.log"
fi
if grep -q "SLURM status is: 'FAILED'" "$WORK/fail.log" \
   && grep -q "not_an_optimizer is not a valid" "$WORK/slurm/results/$PRESET_NAME/logs/train/sft-e1.log" 2>/dev/null; then
  pass "Slurm marks the job FAILED; the rule log has the cause (not_an_optimizer is not a valid OptimizerNames)"
else
  fail "the failed job's Slurm state or cause is missing from the logs"
fi

if [ $FAILED = 0 ]; then
  echo "PASS: Slurm stage: $CHECKS checks passed"
else
  echo "FAIL: Slurm stage: $FAILED of $CHECKS checks failed (logs under $WORK)"
fi
[ $FAILED = 0 ]
