# Light or network-bound: run where Snakemake runs, not as cluster jobs.
localrules:
    world,
    load_benchmark,
    original_set,
    published_sft_set,
    published_grpo_set,
    sft_set,
    grpo_set,
    data_card,


rule world:
    """The miniature's generated math world: training pools and the held-out sets drawn from it."""
    output:
        corpus=f"{R}/data/world/corpus.parquet",
        sft_pool=f"{R}/data/world/sft_pool.parquet",
        grpo_prompts=f"{R}/data/world/grpo_prompts.parquet",
        benchmarks=[PLAN.benchmark_file(b) for b in PLAN.benchmarks if PLAN.registry[b]["source"] == "world"],
    log:
        f"{R}/logs/world.log",
    benchmark:
        f"{R}/timings/world.tsv"
    conda:
        "../../envs/data.yaml"
    params:
        cli=PLAN.cli("data"),
        spec=as_json(config["world"]),
        benchmarks=as_json({b: PLAN.registry[b] for b in PLAN.benchmarks if PLAN.registry[b]["source"] == "world"}),
        out_dir=lambda wildcards, output: Path(output.corpus).parent,
    shell:
        "{params.cli} world --spec {params.spec:q} --benchmarks {params.benchmarks:q} "
        "--out-dir {params.out_dir} > {log} 2>&1"


rule load_benchmark:
    """A public held-out set (AIME, MATH-500, AIMO-2 reference) from the Hub at a pinned revision or from
    a local file, as (problem_id, problem, answer)."""
    output:
        f"{R}/data/benchmarks/{{benchmark}}.parquet",
    log:
        f"{R}/logs/benchmarks/{{benchmark}}.log",
    benchmark:
        f"{R}/timings/benchmarks/{{benchmark}}.tsv"
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        spec=lambda wildcards: json.dumps(PLAN.registry[wildcards.benchmark], sort_keys=True),
    shell:
        "{params.cli} benchmark --spec {params.spec:q} --name {wildcards.benchmark} --out {output} > {log} 2>&1"


rule original_set:
    """Every correct trace of the broad corpus: what the stand-in original model is trained on."""
    input:
        rules.world.output.corpus,
    output:
        f"{R}/data/original_train.parquet",
    log:
        f"{R}/logs/original_set.log",
    benchmark:
        f"{R}/timings/original_set.tsv"
    conda:
        "../../envs/data.yaml"
    params:
        cli=PLAN.cli("data"),
        selection=as_json(ALL_ROWS),
    shell:
        "{params.cli} build-set --pool {input} --selection {params.selection:q} --keep all-correct "
        "--out {output} > {log} 2>&1"


rule hub_source:
    """One source of the paper's stage-1 set, read from the Hub, OpenR1-shaped, selected and sampled."""
    input:
        tokenizer=lambda wildcards: (
            [PLAN.model_dir("original")] if uses_tokens(PLAN.sft_source(wildcards.source)["selection"]) else []
        ),
    output:
        f"{R}/data/sources/{{source}}.parquet",
    log:
        f"{R}/logs/sources/{{source}}.log",
    benchmark:
        f"{R}/timings/sources/{{source}}.tsv"
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        dataset=lambda wildcards: json.dumps(PLAN.sft_source(wildcards.source)["dataset"], sort_keys=True),
        format=lambda wildcards: PLAN.sft_source(wildcards.source)["format"],
        selection=lambda wildcards: json.dumps(PLAN.sft_source(wildcards.source)["selection"], sort_keys=True),
        sample=lambda wildcards: (
            f"--sample {PLAN.sft_source(wildcards.source)['sample']}"
            if PLAN.sft_source(wildcards.source)["sample"]
            else ""
        ),
        seed=config["data"]["seed"],
        tokenizer=lambda wildcards, input: (f"--tokenizer {input.tokenizer}" if input.tokenizer else ""),
    shell:
        "{params.cli} hub-source --dataset {params.dataset:q} --format {params.format} --selection {params.selection:q} "
        "{params.sample} --seed {params.seed} {params.tokenizer} --out {output} > {log} 2>&1"


rule published_sft_set:
    """The authors' published stage-1 set (RabotniKuma/Fast-Math-R1-SFT), as it is."""
    output:
        f"{R}/data/published/sft.parquet",
    log:
        f"{R}/logs/published_sft_set.log",
    benchmark:
        f"{R}/timings/published_sft_set.tsv"
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        dataset=lambda wildcards: json.dumps(config["data"]["published"]["sft"], sort_keys=True),
    shell:
        "{params.cli} published-sft --dataset {params.dataset:q} --out {output} > {log} 2>&1"


rule published_grpo_set:
    """The authors' published stage-2 prompts (RabotniKuma/Fast-Math-R1-GRPO)."""
    output:
        f"{R}/data/published/grpo_prompts.parquet",
    log:
        f"{R}/logs/published_grpo_set.log",
    benchmark:
        f"{R}/timings/published_grpo_set.tsv"
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        dataset=lambda wildcards: json.dumps(config["data"]["published"]["grpo"], sort_keys=True),
    shell:
        "{params.cli} grpo-set --dataset {params.dataset:q} --format prompts --out {output} > {log} 2>&1"


rule sft_set:
    """Stage-1 set: the selected pools merged and deduplicated by problem, keeping each problem's
    shortest correct trace (the paper's construction)."""
    input:
        pools=(
            [rules.world.output.sft_pool]
            if PLAN.data_source == "world"
            else expand(rules.hub_source.output, source=config["data"]["sft_sources"])
        ),
        tokenizer=(
            [PLAN.model_dir("original")]
            if PLAN.data_source == "world" and uses_tokens(config["data"]["selection"])
            else []
        ),
    output:
        f"{R}/data/sft.parquet",
    log:
        f"{R}/logs/sft_set.log",
    benchmark:
        f"{R}/timings/sft_set.tsv"
    conda:
        "../../envs/data.yaml"
    params:
        cli=PLAN.cli("data"),
        # The Hub sources are selected one by one (rule hub_source); the world's pool here.
        selection=as_json(config["data"]["selection"] if PLAN.data_source == "world" else ALL_ROWS),
        tokenizer=lambda wildcards, input: (f"--tokenizer {input.tokenizer}" if input.tokenizer else ""),
    shell:
        "{params.cli} build-set --pool {input.pools} --selection {params.selection:q} {params.tokenizer} "
        "--keep shortest-correct --out {output} > {log} 2>&1"


rule grpo_set:
    """Stage-2 prompts rebuilt from the source (the paper: Light-R1 stage-2 problems, answers
    extracted from the trace where missing)."""
    output:
        f"{R}/data/grpo_prompts.parquet",
    log:
        f"{R}/logs/grpo_set.log",
    benchmark:
        f"{R}/timings/grpo_set.tsv"
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        dataset=lambda wildcards: json.dumps(config["data"]["grpo_source"]["dataset"], sort_keys=True),
        format=lambda wildcards: config["data"]["grpo_source"]["format"],
    shell:
        "{params.cli} grpo-set --dataset {params.dataset:q} --format {params.format} --out {output} > {log} 2>&1"


rule data_card:
    """Counts and length statistics of every data set the run uses."""
    input:
        list(PLAN.data_tables().values()),
    output:
        report(
            f"{R}/data/data_card.md",
            caption="../report/data_card.rst",
            category="Data",
        ),
    log:
        f"{R}/logs/data_card.log",
    benchmark:
        f"{R}/timings/data_card.tsv"
    conda:
        "../../envs/data.yaml"
    params:
        cli=PLAN.cli("data"),
        tables=" ".join(f"{name}={path}" for name, path in PLAN.data_tables().items()),
    shell:
        "{params.cli} data-card --table {params.tables} --out {output} > {log} 2>&1"
