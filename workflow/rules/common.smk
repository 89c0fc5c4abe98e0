import json
import shlex
import sys

from fastmath_r1.config import ConfigError, resolve
from fastmath_r1.plan import ALL_ROWS, Plan, uses_tokens

# `config` holds what --configfile and --config gave; the default preset and any `extends` chain go
# under it, and every check (schema, then across keys) runs before a job is planned.
try:
    resolved = resolve(dict(config))
    config.clear()
    config.update(resolved)
    PLAN = Plan(config, workflow.basedir)
except ConfigError as error:
    sys.exit(f"config error: {error}")

R = PLAN.results


def one_of(names):
    """A wildcard constraint matching exactly these names (none: nothing, where Snakemake would read an
    empty pattern as no constraint at all)."""
    return "|".join(names) or "(?!)"


wildcard_constraints:
    model="|".join([r"original", r"sft-e\d+", r"grpo-[a-z][a-z0-9-]*", *PLAN.models]),
    arm=one_of(PLAN.arms),
    epochs=r"\d+",
    benchmark="|".join(PLAN.benchmarks),


def as_json(value):
    """A config value as one JSON argument for the fastmath-r1 CLI (a function, so that Snakemake does
    not read the braces of the JSON or of a prompt template as wildcards)."""
    text = json.dumps(value, sort_keys=True)
    return lambda wildcards: text
