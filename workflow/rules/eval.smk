# Every raw completion is kept: k samples per problem at the largest budget, then the grades and metrics at
# every budget with bootstrap CIs. One job per model, so the model and the engine load once for all its
# benchmarks and both sampling protocols (Plan.evaluation_protocols): `eval`, the paper's evaluation, and
# `eval-aimo`, the AIMO-2 protocol's, for the AIMO table's models (a vLLM engine takes half a minute to start on
# a CPU, minutes for a 14B model on a GPU).


rule evaluate:
    """The paper's evaluation of one model on every held-out set."""
    input:
        model=PLAN.model_dir("{model}"),
        benchmarks=[PLAN.benchmark_file(b) for b in PLAN.protocol_benchmarks("eval")],
    output:
        completions=PLAN.protocol_files(["eval"], "completions.parquet"),
        metrics=PLAN.protocol_files(["eval"], "metrics.csv"),
        grades=PLAN.protocol_files(["eval"], "grades.parquet"),
    log:
        f"{R}/logs/eval/{{model}}.log",
    benchmark:
        f"{R}/timings/eval/{{model}}.tsv"
    conda:
        "../../envs/eval.yaml"
    threads: PLAN.job_threads("eval")
    resources:
        gpu=config["eval"]["gpus"],
    params:
        cli=PLAN.cli("eval"),
        protocols=lambda wildcards: PLAN.evaluate_args(wildcards.model),
    shell:
        "{params.cli} evaluate --model {input.model} --model-name {wildcards.model} {params.protocols} "
        "--threads {threads} > {log} 2>&1"


if not PLAN.aimo["reuse_eval"]:

    use rule evaluate as evaluate_with_aimo with:
        input:
            model=PLAN.model_dir("{model}"),
            benchmarks=[
                PLAN.benchmark_file(b)
                for b in dict.fromkeys(PLAN.protocol_benchmarks("eval") + PLAN.protocol_benchmarks("eval-aimo"))
            ],
        output:
            completions=PLAN.protocol_files(["eval", "eval-aimo"], "completions.parquet"),
            metrics=PLAN.protocol_files(["eval", "eval-aimo"], "metrics.csv"),
            grades=PLAN.protocol_files(["eval", "eval-aimo"], "grades.parquet"),
        wildcard_constraints:
            model=one_of(PLAN.aimo_models),

    ruleorder: evaluate_with_aimo > evaluate
