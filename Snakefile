# The Fast-Math-R1 reproduction workflow.
#   snakemake --cores all reproduce                                        default (miniature, CPU) preset
#   snakemake --cores all reproduce --configfile config/presets/smoke.yaml  a preset overrides the default
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


configfile: Path(workflow.basedir) / "config" / "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/grpo.smk"
include: "workflow/rules/eval.smk"
include: "workflow/rules/tables.smk"


report: "workflow/report/workflow.rst"


rule reproduce:
    """Every table and figure of the preset."""
    input:
        reproduce_targets(),
    default_target: True
