rule world:
    """The miniature's generated math world: training pools and the held-out sets drawn from it."""
    # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
    localrule: True
    output:
        corpus=f"{R}/data/world/corpus.parquet",
        sft_pool=f"{R}/data/world/sft_pool.parquet",
        grpo_prompts=f"{R}/data/world/grpo_prompts.parquet",
        benchmarks=expand(f"{R}/data/world/benchmarks/{{benchmark}}.parquet", benchmark=WORLD_BENCHMARKS),
    params:
        spec=as_json(config["world"]),
        benchmarks=as_json({name: REGISTRY[name] for name in WORLD_BENCHMARKS}),
        out_dir=lambda wildcards, output: Path(output.corpus).parent,
    log:
        f"{R}/logs/world.log",
    benchmark:
        f"{R}/benchmarks/world.tsv"
    conda:
        "../../envs/data.yaml"
    shell:
        "fastmath-r1 world --spec {params.spec:q} --benchmarks {params.benchmarks:q} "
        "--out-dir {params.out_dir} > {log} 2>&1"


rule load_benchmark:
    """A public held-out set (AIME, MATH-500, AIMO-2 reference) from the Hub at a pinned revision or from
    a local file, as (problem_id, problem, answer)."""
    # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
    localrule: True
    output:
        f"{R}/data/benchmarks/{{benchmark}}.parquet",
    params:
        spec=lambda wildcards: json.dumps(REGISTRY[wildcards.benchmark], sort_keys=True),
    log:
        f"{R}/logs/benchmarks/{{benchmark}}.log",
    benchmark:
        f"{R}/benchmarks/benchmarks/{{benchmark}}.tsv"
    conda:
        "../../envs/hub.yaml"
    shell:
        "fastmath-r1 benchmark --spec {params.spec:q} --name {wildcards.benchmark} --out {output} > {log} 2>&1"


rule original_set:
    """Every correct trace of the broad corpus: what the stand-in original model is trained on."""
    # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
    localrule: True
    input:
        f"{R}/data/world/corpus.parquet",
    output:
        f"{R}/data/original_train.parquet",
    params:
        selection=as_json(ALL_ROWS),
    log:
        f"{R}/logs/original_set.log",
    benchmark:
        f"{R}/benchmarks/original_set.tsv"
    conda:
        "../../envs/data.yaml"
    shell:
        "fastmath-r1 build-set --pool {input} --selection {params.selection:q} --keep all-correct "
        "--out {output} > {log} 2>&1"


rule hub_source:
    """One source of the paper's stage-1 set, read from the Hub, OpenR1-shaped, selected and sampled."""
    input:
        tokenizer=lambda wildcards: (
            [f"{R}/models/original"] if uses_tokens(config["data"]["sft_sources"][wildcards.source].get("selection", ALL_ROWS)) else []
        ),
    output:
        f"{R}/data/sources/{{source}}.parquet",
    params:
        dataset=lambda wildcards: json.dumps(config["data"]["sft_sources"][wildcards.source]["dataset"], sort_keys=True),
        format=lambda wildcards: config["data"]["sft_sources"][wildcards.source]["format"],
        selection=lambda wildcards: json.dumps(config["data"]["sft_sources"][wildcards.source]["selection"], sort_keys=True),
        sample=lambda wildcards: (
            f"--sample {config['data']['sft_sources'][wildcards.source]['sample']}"
            if config["data"]["sft_sources"][wildcards.source]["sample"]
            else ""
        ),
        seed=config["data"]["seed"],
        tokenizer=lambda wildcards, input: f"--tokenizer {input.tokenizer}" if input.tokenizer else "",
    log:
        f"{R}/logs/sources/{{source}}.log",
    benchmark:
        f"{R}/benchmarks/sources/{{source}}.tsv"
    conda:
        "../../envs/hub.yaml"
    shell:
        "fastmath-r1 hub-source --dataset {params.dataset:q} --format {params.format} --selection {params.selection:q} "
        "{params.sample} --seed {params.seed} {params.tokenizer} --out {output} > {log} 2>&1"


if DATA_SOURCE == "published":

    rule published_sft_set:
        """The authors' published stage-1 set (RabotniKuma/Fast-Math-R1-SFT), as it is."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        output:
            f"{R}/data/sft.parquet",
        params:
            dataset=as_json(config["data"]["published"]["sft"]),
        log:
            f"{R}/logs/sft_set.log",
        benchmark:
            f"{R}/benchmarks/sft_set.tsv"
        conda:
            "../../envs/hub.yaml"
        shell:
            "fastmath-r1 published-sft --dataset {params.dataset:q} --out {output} > {log} 2>&1"

    rule published_grpo_set:
        """The authors' published stage-2 prompts (RabotniKuma/Fast-Math-R1-GRPO)."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        output:
            f"{R}/data/grpo_prompts.parquet",
        params:
            dataset=as_json(config["data"]["published"]["grpo"]),
        log:
            f"{R}/logs/grpo_set.log",
        benchmark:
            f"{R}/benchmarks/grpo_set.tsv"
        conda:
            "../../envs/hub.yaml"
        shell:
            "fastmath-r1 grpo-set --dataset {params.dataset:q} --format prompts --out {output} > {log} 2>&1"

else:

    rule sft_set:
        """Stage-1 set: the selected pools merged and deduplicated by problem, keeping each problem's
        shortest correct trace (the paper's construction)."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            pools=(
                [f"{R}/data/world/sft_pool.parquet"]
                if DATA_SOURCE == "world"
                else expand(f"{R}/data/sources/{{source}}.parquet", source=config["data"]["sft_sources"])
            ),
            tokenizer=[f"{R}/models/original"] if DATA_SOURCE == "world" and uses_tokens(config["data"]["selection"]) else [],
        output:
            f"{R}/data/sft.parquet",
        params:
            # The Hub sources are selected one by one (rule hub_source); the world's pool here.
            selection=as_json(config["data"]["selection"] if DATA_SOURCE == "world" else ALL_ROWS),
            tokenizer=lambda wildcards, input: f"--tokenizer {input.tokenizer}" if input.tokenizer else "",
        log:
            f"{R}/logs/sft_set.log",
        benchmark:
            f"{R}/benchmarks/sft_set.tsv"
        conda:
            "../../envs/data.yaml"
        shell:
            "fastmath-r1 build-set --pool {input.pools} --selection {params.selection:q} {params.tokenizer} "
            "--keep shortest-correct --out {output} > {log} 2>&1"


if DATA_SOURCE == "hub":

    rule grpo_set:
        """Stage-2 prompts rebuilt from the source (the paper: Light-R1 stage-2 problems, answers
        extracted from the trace where missing)."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        output:
            f"{R}/data/grpo_prompts.parquet",
        params:
            dataset=as_json(config["data"]["grpo_source"]["dataset"]),
            format=config["data"]["grpo_source"]["format"],
        log:
            f"{R}/logs/grpo_set.log",
        benchmark:
            f"{R}/benchmarks/grpo_set.tsv"
        conda:
            "../../envs/hub.yaml"
        shell:
            "fastmath-r1 grpo-set --dataset {params.dataset:q} --format {params.format} --out {output} > {log} 2>&1"


rule data_card:
    """Counts and length statistics of every data set the run uses."""
    # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
    localrule: True
    input:
        list(data_card_tables().values()),
    output:
        report(f"{R}/data/data_card.md", caption="../report/data_card.rst", category="Data"),
    params:
        tables=" ".join(f"{name.replace(' ', '-')}={path}" for name, path in data_card_tables().items()),
    log:
        f"{R}/logs/data_card.log",
    benchmark:
        f"{R}/benchmarks/data_card.tsv"
    conda:
        "../../envs/data.yaml"
    shell:
        "fastmath-r1 data-card --table {params.tables} --out {output} > {log} 2>&1"
