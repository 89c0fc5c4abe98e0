if MODE == "recipe":

    rule sft_epochs:
        """Paper F1: the SFT epoch ablation, as a table and a figure."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            metrics_files(["original", *SFT_MODELS]),
        output:
            csv=f"{R}/tables/sft_epochs.csv",
            md=report(f"{R}/tables/sft_epochs.md", caption="../report/sft_epochs_table.rst", category="SFT epochs"),
            png=report(f"{R}/figures/sft_epochs.png", caption="../report/sft_epochs_figure.rst", category="SFT epochs"),
        params:
            budget=REPORT_BUDGET,
            title=f"SFT epoch ablation (paper F1), preset {config['preset']}",
        log:
            f"{R}/logs/tables/sft_epochs.log",
        benchmark:
            f"{R}/benchmarks/tables/sft_epochs.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 sft-epochs --metrics {input} --budget {params.budget} --title {params.title:q} "
            "--out-csv {output.csv} --out-md {output.md} --out-png {output.png} > {log} 2>&1"


    rule stages:
        """Paper T1: the original model, after GRPO alone, after SFT, and after SFT then GRPO."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            metrics_files(list(STAGES)),
        output:
            csv=f"{R}/tables/stages.csv",
            md=report(f"{R}/tables/stages.md", caption="../report/stages.rst", category="Recipe stages"),
        params:
            stages=as_json(list(STAGES.items())),
            budget=REPORT_BUDGET,
        log:
            f"{R}/logs/tables/stages.log",
        benchmark:
            f"{R}/benchmarks/tables/stages.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 stages --metrics {input} --stages {params.stages:q} --budget {params.budget} "
            "--out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


    rule budget_sweep:
        """Paper T3: the token-budget sweep, table and figure."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            metrics_files(SWEEP_MODELS),
        output:
            csv=f"{R}/tables/budget_sweep.csv",
            md=report(f"{R}/tables/budget_sweep.md", caption="../report/budget_sweep.rst", category="Budget sweep"),
            png=report(f"{R}/figures/budget_sweep.png", caption="../report/budget_sweep.rst", category="Budget sweep"),
        params:
            models=" ".join(SWEEP_MODELS),
            solid=SWEEP_MODELS[-1],
        log:
            f"{R}/logs/tables/budget_sweep.log",
        benchmark:
            f"{R}/benchmarks/tables/budget_sweep.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 budget-sweep --metrics {input} --models {params.models} --solid {params.solid} --out-csv {output.csv} "
            "--out-md {output.md} --out-png {output.png} > {log} 2>&1"


    rule reward_ablation:
        """Paper F2: GRPO after SFT with each reward set."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            metrics_files(list(ABLATION_ARMS)),
        output:
            csv=f"{R}/tables/reward_ablation.csv",
            md=report(f"{R}/tables/reward_ablation.md", caption="../report/reward_ablation.rst", category="Reward ablation"),
            png=report(f"{R}/figures/reward_ablation.png", caption="../report/reward_ablation.rst", category="Reward ablation"),
        params:
            arms=" ".join(f"{model}={'+'.join(rewards)}" for model, rewards in ABLATION_ARMS.items()),
            budget=REPORT_BUDGET,
        log:
            f"{R}/logs/tables/reward_ablation.log",
        benchmark:
            f"{R}/benchmarks/tables/reward_ablation.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 reward-ablation --metrics {input} --arm {params.arms} --budget {params.budget} "
            "--out-csv {output.csv} --out-md {output.md} --out-png {output.png} > {log} 2>&1"


    rule per_problem:
        """Paper F3: per-problem change from the original model to the recipe's final model."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            base=grades_files(["original"]),
            final=grades_files(["grpo-recipe"]),
        output:
            csv=f"{R}/tables/per_problem.csv",
            png=report(f"{R}/figures/per_problem.png", caption="../report/per_problem.rst", category="Per-problem change"),
        params:
            budget=REPORT_BUDGET,
        log:
            f"{R}/logs/tables/per_problem.log",
        benchmark:
            f"{R}/benchmarks/tables/per_problem.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 per-problem --base {input.base} --final {input.final} --budget {params.budget} "
            "--out-csv {output.csv} --out-png {output.png} > {log} 2>&1"


    rule grpo_curves:
        """Paper F4: GRPO training curves of every arm."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            expand(f"{R}/curves/{{model}}.csv", model=GRPO_MODELS),
        output:
            report(f"{R}/figures/grpo_curves.png", caption="../report/grpo_curves.rst", category="GRPO curves"),
        log:
            f"{R}/logs/tables/grpo_curves.log",
        benchmark:
            f"{R}/benchmarks/tables/grpo_curves.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 grpo-curves --curves {input} --out-png {output} > {log} 2>&1"


    rule aimo_grades:
        """Paper T5: every sample of the AIMO-2 protocol graded modulo 1000 at each budget (small: what
        the table is drawn from, without the raw completions)."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            benchmarks=[benchmark_file(b) for b in AIMO["benchmarks"]],
            completions=[aimo_completions(m, b) for m in AIMO_MODELS for b in AIMO["benchmarks"]],
            models=expand(f"{R}/models/{{model}}", model=AIMO_MODELS),
        output:
            f"{R}/aimo/grades.parquet",
        params:
            benchmarks=" ".join(f"{b}={benchmark_file(b)}" for b in AIMO["benchmarks"]),
            runs=" ".join(
                f"--run {m} {b} {aimo_completions(m, b)} {R}/models/{m}" for m in AIMO_MODELS for b in AIMO["benchmarks"]
            ),
            budgets=" ".join(map(str, AIMO.get("budgets") or config["eval"]["budgets"])),
            modulo=AIMO["modulo"],
        log:
            f"{R}/logs/tables/aimo_grades.log",
        benchmark:
            f"{R}/benchmarks/tables/aimo_grades.tsv"
        conda:
            "../../envs/eval.yaml"
        shell:
            "fastmath-r1 aimo-grades --benchmark {params.benchmarks} {params.runs} --budgets {params.budgets} "
            "--modulo {params.modulo} --out {output} > {log} 2>&1"

    rule aimo:
        """Paper T5: the AIMO-2 local-validation table, the configured benchmarks pooled."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            f"{R}/aimo/grades.parquet",
        output:
            csv=f"{R}/tables/aimo.csv",
            md=report(f"{R}/tables/aimo.md", caption="../report/aimo.rst", category="AIMO-2 protocol"),
        params:
            modulo=AIMO["modulo"],
        log:
            f"{R}/logs/tables/aimo.log",
        benchmark:
            f"{R}/benchmarks/tables/aimo.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 aimo --grades {input} --modulo {params.modulo} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"

    rule claims:
        """The claims report: every claim of the paper, its value here with a CI, and a computed verdict."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            grades=grades_files(EVAL_MODELS),
            paper=PAPER_NUMBERS,
        output:
            csv=f"{R}/tables/claims.csv",
            md=report(f"{R}/report.md", caption="../report/claims.rst", category="Claims report"),
            rst=f"{R}/report_front.rst",
        params:
            budget=REPORT_BUDGET,
            sft_model=RECIPE_SFT,
            preset=config["preset"],
            stands_for=as_json({name: REGISTRY[name]["stands_for"] for name in BENCHMARKS}),
        log:
            f"{R}/logs/tables/claims.log",
        benchmark:
            f"{R}/benchmarks/tables/claims.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 claims --grades {input.grades} --paper {input.paper} --stands-for {params.stands_for:q} "
            "--budget {params.budget} --sft-model {params.sft_model} --preset {params.preset} "
            "--out-csv {output.csv} --out-md {output.md} --out-rst {output.rst} > {log} 2>&1"


else:

    rule released_budget_sweep:
        """Paper T3/T4: the released checkpoints and their bases at every budget of the authors' tables."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            lambda wildcards: metrics_files(config["released"]["tables"][wildcards.table]["models"]),
        output:
            csv=f"{R}/tables/budget_sweep_{{table}}.csv",
            md=report(f"{R}/tables/budget_sweep_{{table}}.md", caption="../report/budget_sweep.rst", category="Budget sweep"),
            png=report(f"{R}/figures/budget_sweep_{{table}}.png", caption="../report/budget_sweep.rst", category="Budget sweep"),
        params:
            models=lambda wildcards: " ".join(config["released"]["tables"][wildcards.table]["models"]),
            budgets=lambda wildcards: " ".join(map(str, config["released"]["tables"][wildcards.table]["budgets"])),
            solid=lambda wildcards: " ".join(config["released"]["tables"][wildcards.table]["solid"]),
            title=lambda wildcards: f"Token-budget sweep of the released checkpoints (paper {wildcards.table.upper()})",
        wildcard_constraints:
            table="|".join(config["released"]["tables"]),
        log:
            f"{R}/logs/tables/budget_sweep_{{table}}.log",
        benchmark:
            f"{R}/benchmarks/tables/budget_sweep_{{table}}.tsv"
        conda:
            "../../envs/report.yaml"
        shell:
            "fastmath-r1 budget-sweep --metrics {input} --models {params.models} --budgets {params.budgets} "
            "--solid {params.solid} --title {params.title:q} --out-csv {output.csv} --out-md {output.md} "
            "--out-png {output.png} > {log} 2>&1"
