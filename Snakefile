# The Fast-Math-R1 reproduction workflow.
#   snakemake --cores all reproduce                                        default (miniature, CPU) preset
#   snakemake --cores all reproduce --configfile config/presets/smoke.yaml  a preset overrides the default
# There is no configfile directive: workflow/rules/common.smk puts the default config/config.yaml (and a
# preset's `extends` chain) under what --configfile gives, in fastmath_r1.config.resolve.
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/grpo.smk"
include: "workflow/rules/eval.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/hub.smk"


# The report's front page is the claims report once the run has written it (rule claims).
FRONT_PAGE = Path(f"{R}/report_front.rst").resolve()


report: str(FRONT_PAGE) if FRONT_PAGE.exists() else "workflow/report/workflow.rst"


# Every table and figure of the preset. (No docstring: snakefmt 2.1 moves default_target above it, which
# it then cannot parse.)
rule reproduce:
    default_target: True
    input:
        PLAN.reproduce_targets(),


rule figures:
    """Every table and figure redrawn from the saved metrics, grades and training curves alone (the
    default preset's are committed under results/mini/), without training or generating anything.
    """
    input:
        PLAN.figure_targets(),


rule seeds:
    """The recipe under every seed of config `seeds` (each seed's run in results/<preset>-seed<s>) and the claims
    report over them, whose headline counts a claim as reproduced only where a majority of seeds reproduce it.
    """
    input:
        rules.seed_claims.output,


rule sizes:
    """The recipe's stages at every model size of config `sizes` (each other size's run in results/<its preset>):
    paper T1 by size, table and figure, and the claims across sizes.
    """
    input:
        rules.size_table.output,
        rules.size_claims.output,


# `snakemake seeds`: the recipe again under each other seed of config `seeds`, each run this workflow as a module
# with its seed's config (fastmath_r1.config.seed_config: its own results folder, every seed key moved).
for seed_module, seed_prefix, seed_run_config in PLAN.seed_modules():

    module:
        name: seed_module
        snakefile:
            "Snakefile"
        config:
            seed_run_config

    use rule * from seed_module as seed_prefix*


# `snakemake sizes`: the recipe at each other model size of config `sizes`, each size its own preset's run of this
# workflow as a module (fastmath_r1.config.size_config).
for size_module, size_prefix, size_run_config in PLAN.size_modules():

    module:
        name: size_module
        snakefile:
            "Snakefile"
        config:
            size_run_config

    use rule * from size_module as size_prefix*
