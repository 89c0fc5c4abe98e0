# Light: run where Snakemake runs, not as cluster jobs.
localrules:
    sft_epochs,
    stages,
    budget_sweep,
    reward_ablation,
    per_problem,
    grpo_curves,
    aimo_grades,
    aimo,
    claims,
    released_budget_sweep,
    seed_claims,
    size_table,
    size_claims,


rule sft_epochs:
    """Paper F1: the SFT epoch ablation, as a table and a figure."""
    input:
        PLAN.eval_files("metrics.csv", ["original", *PLAN.sft_models]),
    output:
        csv=f"{R}/tables/sft_epochs.csv",
        md=report(
            f"{R}/tables/sft_epochs.md",
            caption="../report/sft_epochs_table.rst",
            category="SFT epochs",
        ),
        png=report(
            f"{R}/figures/sft_epochs.png",
            caption="../report/sft_epochs_figure.rst",
            category="SFT epochs",
        ),
    log:
        f"{R}/logs/tables/sft_epochs.log",
    benchmark:
        f"{R}/timings/tables/sft_epochs.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        budget=PLAN.report_budget,
        title=f"SFT epoch ablation (paper F1), preset {config['preset']}",
    shell:
        "{params.cli} sft-epochs --metrics {input} --budget {params.budget} --title {params.title:q} "
        "--out-csv {output.csv} --out-md {output.md} --out-png {output.png} > {log} 2>&1"


rule stages:
    """Paper T1: the original model, after GRPO alone, after SFT, and after SFT then GRPO."""
    input:
        PLAN.eval_files("metrics.csv", list(PLAN.stages)),
    output:
        csv=f"{R}/tables/stages.csv",
        md=report(
            f"{R}/tables/stages.md",
            caption="../report/stages.rst",
            category="Recipe stages",
        ),
    log:
        f"{R}/logs/tables/stages.log",
    benchmark:
        f"{R}/timings/tables/stages.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        stages=as_json(list(PLAN.stages.items())),
        budget=PLAN.report_budget,
    shell:
        "{params.cli} stages --metrics {input} --stages {params.stages:q} --budget {params.budget} "
        "--out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule budget_sweep:
    """Paper T3: the token-budget sweep, table and figure."""
    input:
        PLAN.eval_files("metrics.csv", PLAN.sweep_models),
    output:
        csv=f"{R}/tables/budget_sweep.csv",
        md=report(
            f"{R}/tables/budget_sweep.md",
            caption="../report/budget_sweep.rst",
            category="Budget sweep",
        ),
        png=report(
            f"{R}/figures/budget_sweep.png",
            caption="../report/budget_sweep.rst",
            category="Budget sweep",
        ),
    log:
        f"{R}/logs/tables/budget_sweep.log",
    benchmark:
        f"{R}/timings/tables/budget_sweep.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        models=" ".join(PLAN.sweep_models),
        solid=" ".join(PLAN.sweep_models[-1:]),
        title="Token-budget sweep (paper T3)",
    shell:
        "{params.cli} budget-sweep --metrics {input} --models {params.models} --solid {params.solid} "
        "--title {params.title:q} --out-csv {output.csv} --out-md {output.md} --out-png {output.png} > {log} 2>&1"


rule reward_ablation:
    """Paper F2: GRPO after SFT with each reward set."""
    input:
        PLAN.eval_files("metrics.csv", list(PLAN.ablation_arms)),
    output:
        csv=f"{R}/tables/reward_ablation.csv",
        md=report(
            f"{R}/tables/reward_ablation.md",
            caption="../report/reward_ablation.rst",
            category="Reward ablation",
        ),
        png=report(
            f"{R}/figures/reward_ablation.png",
            caption="../report/reward_ablation.rst",
            category="Reward ablation",
        ),
    log:
        f"{R}/logs/tables/reward_ablation.log",
    benchmark:
        f"{R}/timings/tables/reward_ablation.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        arms=" ".join(f"{model}={'+'.join(rewards)}" for model, rewards in PLAN.ablation_arms.items()),
        budget=PLAN.report_budget,
    shell:
        "{params.cli} reward-ablation --metrics {input} --arm {params.arms} --budget {params.budget} "
        "--out-csv {output.csv} --out-md {output.md} --out-png {output.png} > {log} 2>&1"


rule per_problem:
    """Paper F3: per-problem change from the original model to the recipe's final model."""
    input:
        base=PLAN.eval_files("grades.parquet", ["original"]),
        final=PLAN.eval_files("grades.parquet", ["grpo-recipe"]),
    output:
        csv=f"{R}/tables/per_problem.csv",
        png=report(
            f"{R}/figures/per_problem.png",
            caption="../report/per_problem.rst",
            category="Per-problem change",
        ),
    log:
        f"{R}/logs/tables/per_problem.log",
    benchmark:
        f"{R}/timings/tables/per_problem.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        budget=PLAN.report_budget,
    shell:
        "{params.cli} per-problem --base {input.base} --final {input.final} --budget {params.budget} "
        "--out-csv {output.csv} --out-png {output.png} > {log} 2>&1"


rule grpo_curves:
    """Paper F4: GRPO training curves of every arm."""
    input:
        expand(rules.grpo.output.curve, arm=PLAN.arms),
    output:
        report(
            f"{R}/figures/grpo_curves.png",
            caption="../report/grpo_curves.rst",
            category="GRPO curves",
        ),
    log:
        f"{R}/logs/tables/grpo_curves.log",
    benchmark:
        f"{R}/timings/tables/grpo_curves.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
    shell:
        "{params.cli} grpo-curves --curves {input} --out-png {output} > {log} 2>&1"


rule aimo_grades:
    """Paper T5: every sample of the AIMO-2 protocol graded modulo 1000 at each budget (small: what
    the table is drawn from, without the raw completions)."""
    input:
        benchmarks=[PLAN.benchmark_file(b) for b in PLAN.aimo["benchmarks"]],
        completions=[PLAN.aimo_completions(m, b) for m in PLAN.aimo_models for b in PLAN.aimo["benchmarks"]],
        models=[PLAN.model_dir(m) for m in PLAN.aimo_models],
    output:
        f"{R}/aimo/grades.parquet",
    log:
        f"{R}/logs/tables/aimo_grades.log",
    benchmark:
        f"{R}/timings/tables/aimo_grades.tsv"
    conda:
        "../../envs/eval.yaml"
    params:
        cli=PLAN.cli("eval"),
        benchmarks=" ".join(f"{b}={PLAN.benchmark_file(b)}" for b in PLAN.aimo["benchmarks"]),
        runs=" ".join(
            f"--run {m} {b} {PLAN.aimo_completions(m, b)} {PLAN.model_dir(m)}"
            for m in PLAN.aimo_models
            for b in PLAN.aimo["benchmarks"]
        ),
        budgets=" ".join(map(str, PLAN.aimo_budgets)),
        modulo=config["aimo"]["modulo"],
    shell:
        "{params.cli} aimo-grades --benchmark {params.benchmarks} {params.runs} --budgets {params.budgets} "
        "--modulo {params.modulo} --out {output} > {log} 2>&1"


rule aimo:
    """Paper T5: the AIMO-2 local-validation table, the configured benchmarks pooled."""
    input:
        rules.aimo_grades.output,
    output:
        csv=f"{R}/tables/aimo.csv",
        md=report(
            f"{R}/tables/aimo.md",
            caption="../report/aimo.rst",
            category="AIMO-2 protocol",
        ),
    log:
        f"{R}/logs/tables/aimo.log",
    benchmark:
        f"{R}/timings/tables/aimo.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        modulo=config["aimo"]["modulo"],
        resamples=config["eval"]["bootstrap_resamples"],
        seed=config["eval"]["seed"],
    shell:
        "{params.cli} aimo --grades {input} --modulo {params.modulo} --resamples {params.resamples} "
        "--seed {params.seed} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule claims:
    """The claims report: every claim of the paper, its value here with a CI, and a computed verdict."""
    input:
        grades=PLAN.eval_files("grades.parquet", PLAN.models),
        paper=PLAN.paper_numbers,
    output:
        csv=f"{R}/tables/claims.csv",
        md=report(f"{R}/report.md", caption="../report/claims.rst", category="Claims report"),
        rst=f"{R}/report_front.rst",
    log:
        f"{R}/logs/tables/claims.log",
    benchmark:
        f"{R}/timings/tables/claims.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        budget=PLAN.report_budget,
        sft_model=PLAN.recipe_sft,
        preset=config["preset"],
        resamples=config["eval"]["bootstrap_resamples"],
        seed=config["eval"]["seed"],
        claims=" ".join(PLAN.claims),
        dropped=as_json(PLAN.dropped_claims),
        stands_for=as_json({name: PLAN.registry[name]["stands_for"] for name in PLAN.eval_benchmarks}),
    shell:
        "{params.cli} claims --grades {input.grades} --paper {input.paper} --stands-for {params.stands_for:q} "
        "--budget {params.budget} --sft-model {params.sft_model} --preset {params.preset} "
        "--resamples {params.resamples} --seed {params.seed} --claims {params.claims} "
        "--dropped {params.dropped:q} --out-csv {output.csv} --out-md {output.md} --out-rst {output.rst} > {log} 2>&1"


rule released_budget_sweep:
    """Paper T3/T4: the released checkpoints and their bases at every budget of the authors' tables."""
    input:
        lambda wildcards: PLAN.eval_files("metrics.csv", PLAN.released_tables[wildcards.table]["models"]),
    output:
        csv=f"{R}/tables/budget_sweep_{{table}}.csv",
        md=report(
            f"{R}/tables/budget_sweep_{{table}}.md",
            caption="../report/budget_sweep.rst",
            category="Budget sweep",
        ),
        png=report(
            f"{R}/figures/budget_sweep_{{table}}.png",
            caption="../report/budget_sweep.rst",
            category="Budget sweep",
        ),
    log:
        f"{R}/logs/tables/budget_sweep_{{table}}.log",
    benchmark:
        f"{R}/timings/tables/budget_sweep_{{table}}.tsv"
    wildcard_constraints:
        table=one_of(PLAN.released_tables),
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        models=lambda wildcards: " ".join(PLAN.released_tables[wildcards.table]["models"]),
        budgets=lambda wildcards: " ".join(map(str, PLAN.released_tables[wildcards.table]["budgets"])),
        solid=lambda wildcards: " ".join(PLAN.released_tables[wildcards.table]["solid"]),
        title=lambda wildcards: f"Token-budget sweep of the released checkpoints (paper {wildcards.table.upper()})",
    shell:
        "{params.cli} budget-sweep --metrics {input} --models {params.models} --budgets {params.budgets} "
        "--solid {params.solid} --title {params.title:q} --out-csv {output.csv} --out-md {output.md} "
        "--out-png {output.png} > {log} 2>&1"


rule seed_claims:
    """The claims report over the seed runs of `snakemake seeds`: each claim's value and verdict per seed, and
    the seed-majority verdict of the headline."""
    input:
        list(PLAN.seed_claims_tables().values()),
    output:
        csv=f"{R}/seeds/claims.csv",
        md=report(f"{R}/seeds/report.md", caption="../report/seed_claims.rst", category="Claims report"),
    log:
        f"{R}/logs/tables/seed_claims.log",
    benchmark:
        f"{R}/timings/tables/seed_claims.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        claims=" ".join(f"{seed}={path}" for seed, path in PLAN.seed_claims_tables().items()),
        budget=PLAN.report_budget,
        preset=config["preset"],
    shell:
        "{params.cli} seed-claims --claims {params.claims} --budget {params.budget} --preset {params.preset} "
        "--out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule size_table:
    """Paper T1 at each model size of `snakemake sizes`: the recipe's stages, table and figure."""
    input:
        [path for _, path in PLAN.size_files("metrics.csv")],
    output:
        csv=f"{R}/sizes/stages.csv",
        md=report(f"{R}/sizes/stages.md", caption="../report/sizes.rst", category="Model sizes"),
        png=report(f"{R}/sizes/stages.png", caption="../report/sizes.rst", category="Model sizes"),
    log:
        f"{R}/logs/tables/size_table.log",
    benchmark:
        f"{R}/timings/tables/size_table.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        metrics=" ".join(shlex.quote(f"{size}={path}") for size, path in PLAN.size_files("metrics.csv")),
        stages=as_json(list(PLAN.size_stages.items())),
        budget=PLAN.report_budget,
    shell:
        "{params.cli} sizes --metrics {params.metrics} --stages {params.stages:q} --budget {params.budget} "
        "--out-csv {output.csv} --out-md {output.md} --out-png {output.png} > {log} 2>&1"


rule size_claims:
    """The claims across the model sizes of `snakemake sizes`: the recipe's and SFT's gains grow with size."""
    input:
        [path for _, path in PLAN.size_files("grades.parquet")],
    output:
        csv=f"{R}/sizes/claims.csv",
        md=report(f"{R}/sizes/report.md", caption="../report/size_claims.rst", category="Model sizes"),
    log:
        f"{R}/logs/tables/size_claims.log",
    benchmark:
        f"{R}/timings/tables/size_claims.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        cli=PLAN.cli("report"),
        grades=" ".join(shlex.quote(f"{size}={path}") for size, path in PLAN.size_files("grades.parquet")),
        budget=PLAN.report_budget,
        sft_model=PLAN.recipe_sft,
        resamples=config["eval"]["bootstrap_resamples"],
        seed=config["eval"]["seed"],
        preset=config["preset"],
    shell:
        "{params.cli} size-claims --grades {params.grades} --budget {params.budget} --sft-model {params.sft_model} "
        "--resamples {params.resamples} --seed {params.seed} --preset {params.preset} "
        "--out-csv {output.csv} --out-md {output.md} > {log} 2>&1"
