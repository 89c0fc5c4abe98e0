"""Helpers of .ci/slurm/run.sh (standard library only).

compare LOCAL_DIR SLURM_DIR PRESET
    The result tables of two runs of one preset must be byte-identical: results/<preset>/tables/*.csv
    and results/<preset>/eval/*/*/metrics.csv. Training curves (results/<preset>/curves/*.csv) must be
    equal in every column but `step_time`, the wall-clock seconds of a training step. Prints one line
    per difference and a summary; exits 1 on any difference or when a file is missing on either side.

latency SNAKEMAKE_LOG SQUEUE_DUMP WORKDIR
    Per-job timings of a run through the plugin: from the Snakemake log ("Job N has been submitted
    with SLURM jobid M", "Finished jobid: N"), `squeue --states=all -o '%i|%T|%V|%S|%e'` (submitted,
    started, ended) and the rules' benchmark files (the command's own seconds).
"""

import csv
import re
import statistics
import sys
from datetime import datetime
from pathlib import Path


def compare(local_dir, slurm_dir, preset):
    local_dir, slurm_dir = Path(local_dir), Path(slurm_dir)
    base = Path("results") / preset
    exact = sorted(
        {p.relative_to(d) for d in (local_dir, slurm_dir) for p in (d / base / "tables").glob("*.csv")}
        | {p.relative_to(d) for d in (local_dir, slurm_dir) for p in (d / base / "eval").glob("*/*/metrics.csv")}
    )
    curves = sorted({p.relative_to(d) for d in (local_dir, slurm_dir) for p in (d / base / "curves").glob("*.csv")})
    problems = []
    for rel in exact + curves:
        a, b = local_dir / rel, slurm_dir / rel
        if not a.is_file() or not b.is_file():
            problems.append(f"{rel}: missing in {'the local run' if not a.is_file() else 'the Slurm run'}")
    if not exact:
        problems.append(f"no tables under {base}")
    for rel in exact:
        a, b = local_dir / rel, slurm_dir / rel
        if a.is_file() and b.is_file() and a.read_bytes() != b.read_bytes():
            problems.append(f"{rel}: differs\n" + _row_diff(a, b, ignore=()))
    for rel in curves:
        a, b = local_dir / rel, slurm_dir / rel
        if a.is_file() and b.is_file():
            diff = _row_diff(a, b, ignore=("step_time",))
            if diff:
                problems.append(f"{rel}: differs (step_time ignored)\n{diff}")
    for line in problems:
        print(f"  {line}")
    print(
        f"  compared {len(exact)} table/metrics CSVs byte for byte and {len(curves)} training curves "
        f"(all columns but step_time): {len(problems)} difference(s)"
    )
    return 1 if problems else 0


def _row_diff(a, b, ignore):
    ra, rb = list(csv.DictReader(a.open())), list(csv.DictReader(b.open()))
    out = []
    if len(ra) != len(rb):
        out.append(f"    {len(ra)} rows locally, {len(rb)} through Slurm")
    for i, (x, y) in enumerate(zip(ra, rb)):
        cells = {k: (x.get(k), y.get(k)) for k in set(x) | set(y) if k not in ignore and x.get(k) != y.get(k)}
        if cells:
            out.append(
                f"    row {i + 1}: "
                + ", ".join(f"{k}: {v[0]} (local) vs {v[1]} (slurm)" for k, v in sorted(cells.items()))
            )
    return "\n".join(out[:10])


STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
SUBMITTED = re.compile(r"^Job (\d+) has been submitted with SLURM jobid (\d+)")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\S+)\)")
RULE = re.compile(r"^(?:local)?rule (\S+):$")


def latency(log, squeue_dump, workdir):
    stamp, rule_of, benchmark_of, slurm_of, finished = None, {}, {}, {}, {}
    block = {}
    for line in Path(log).read_text().splitlines():
        if m := STAMP.match(line):
            stamp = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
        elif m := RULE.match(line):
            block = {"rule": m.group(1)}
        elif line.strip().startswith("jobid:") and "rule" in block:
            block["jobid"] = line.split(":", 1)[1].strip()
            rule_of[block["jobid"]] = block["rule"]
        elif line.strip().startswith("benchmark:") and "jobid" in block:
            benchmark_of[block["jobid"]] = line.split(":", 1)[1].strip()
        elif m := SUBMITTED.match(line):
            slurm_of[m.group(1)] = m.group(2)
        elif m := FINISHED.match(line):
            finished[m.group(1)] = stamp
    slurm = {}
    for row in Path(squeue_dump).read_text().splitlines():
        parts = row.split("|")
        if len(parts) >= 5:
            jid, state, sub, start, end = parts[:5]
            slurm[jid] = (state, *(datetime.fromisoformat(t) if t[:1].isdigit() else None for t in (sub, start, end)))
    rows = []
    for job, sid in slurm_of.items():
        if sid not in slurm or job not in finished:
            continue
        state, sub, start, end = slurm[sid]
        if None in (sub, start, end):
            continue
        command_s = None
        bench = benchmark_of.get(job)
        if bench and (Path(workdir) / bench).is_file():
            with (Path(workdir) / bench).open() as f:
                command_s = float(next(csv.DictReader(f, delimiter="\t"))["s"])
        rows.append(
            {
                "rule": rule_of.get(job, "?"),
                "queued": (start - sub).total_seconds(),
                "in_job": (end - start).total_seconds(),
                "command": command_s,
                "noticed": (finished[job] - end).total_seconds(),
                "total": (finished[job] - sub).total_seconds(),
            }
        )
    if not rows:
        print("  no per-job timings found")
        return 0

    def summary(values):
        values = [v for v in values if v is not None]
        return f"median {statistics.median(values):5.1f} s, max {max(values):5.1f} s" if values else "n/a"

    with_command = [r for r in rows if r["command"] is not None]
    print(f"  {len(rows)} Slurm jobs (times in whole seconds, as Slurm and Snakemake log them)")
    print(f"  submit -> start (queue wait):                {summary(r['queued'] for r in rows)}")
    print(f"  start -> end (the job: snakemake + command): {summary(r['in_job'] for r in rows)}")
    print(f"  of which outside the rule's command:         {summary(r['in_job'] - r['command'] for r in with_command)}")
    print(f"  end -> Snakemake notices (status checks):    {summary(r['noticed'] for r in rows)}")
    print(
        "  per-job latency (submit -> noticed, minus the command): "
        f"{summary(r['total'] - r['command'] for r in with_command)}"
    )
    return 0


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    sys.exit({"compare": compare, "latency": latency}[command](*args))
