rule world:
    """The miniature's generated math world: training pools and held-out sets."""
    output:
        corpus=f"{R}/data/corpus.parquet",
        sft_pool=f"{R}/data/sft_pool.parquet",
        grpo_prompts=f"{R}/data/grpo_prompts.parquet",
        benchmarks=expand(f"{R}/data/benchmarks/{{benchmark}}.parquet", benchmark=BENCHMARKS),
    params:
        spec=as_json(config["world"]),
        benchmarks=as_json(config["eval"]["benchmarks"]),
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


rule original_set:
    """Every correct trace of the broad corpus: what the stand-in original model is trained on."""
    input:
        f"{R}/data/corpus.parquet",
    output:
        f"{R}/data/original_train.parquet",
    params:
        selection=as_json({"min_generation_chars": 0, "min_accuracy": 0.0, "max_accuracy": 1.0}),
    log:
        f"{R}/logs/original_set.log",
    benchmark:
        f"{R}/benchmarks/original_set.tsv"
    conda:
        "../../envs/data.yaml"
    shell:
        "fastmath-r1 build-set --pool {input} --selection {params.selection:q} --keep all-correct "
        "--out {output} > {log} 2>&1"


rule sft_set:
    """Stage-1 set: hard problems, the shortest correct trace of each (the paper's construction)."""
    input:
        f"{R}/data/sft_pool.parquet",
    output:
        f"{R}/data/sft.parquet",
    params:
        selection=as_json(config["selection"]),
    log:
        f"{R}/logs/sft_set.log",
    benchmark:
        f"{R}/benchmarks/sft_set.tsv"
    conda:
        "../../envs/data.yaml"
    shell:
        "fastmath-r1 build-set --pool {input} --selection {params.selection:q} --keep shortest-correct "
        "--out {output} > {log} 2>&1"


rule data_card:
    """Counts and length statistics of every data set the run uses."""
    input:
        corpus=f"{R}/data/corpus.parquet",
        original_train=f"{R}/data/original_train.parquet",
        sft_pool=f"{R}/data/sft_pool.parquet",
        sft=f"{R}/data/sft.parquet",
        grpo_prompts=f"{R}/data/grpo_prompts.parquet",
        benchmarks=expand(f"{R}/data/benchmarks/{{benchmark}}.parquet", benchmark=BENCHMARKS),
    output:
        report(f"{R}/data/data_card.md", caption="../report/data_card.rst", category="Data"),
    params:
        tables=lambda wildcards, input: " ".join(
            [
                *(f"{name}={input[name]}" for name in ("corpus", "original_train", "sft_pool", "sft", "grpo_prompts")),
                *(f"{b}={path}" for b, path in zip(BENCHMARKS, input.benchmarks)),
            ]
        ),
    log:
        f"{R}/logs/data_card.log",
    benchmark:
        f"{R}/benchmarks/data_card.tsv"
    conda:
        "../../envs/data.yaml"
    shell:
        "fastmath-r1 data-card --table {params.tables} --out {output} > {log} 2>&1"
