rule evaluate:
    """k samples per problem at the largest budget (every raw completion is kept), then the grades and
    metrics at every budget, with bootstrap CIs. One job, so the model and libraries load once. Two
    sampling protocols share it (Plan.protocol): `eval`, the paper's evaluation, and `eval-aimo`, the
    AIMO-2 protocol's."""
    input:
        model=PLAN.model_dir("{model}"),
        benchmark=lambda wildcards: PLAN.benchmark_file(wildcards.benchmark),
    output:
        completions=f"{R}/{{protocol}}/{{model}}/{{benchmark}}/completions.parquet",
        metrics=f"{R}/{{protocol}}/{{model}}/{{benchmark}}/metrics.csv",
        grades=f"{R}/{{protocol}}/{{model}}/{{benchmark}}/grades.parquet",
    log:
        f"{R}/logs/{{protocol}}/{{model}}/{{benchmark}}.log",
    benchmark:
        f"{R}/timings/{{protocol}}/{{model}}/{{benchmark}}.tsv"
    wildcard_constraints:
        protocol="eval|eval-aimo",
    conda:
        "../../envs/eval.yaml"
    threads: config["threads"]
    resources:
        gpu=config["eval"]["gpus"],
    params:
        prompts=lambda wildcards: json.dumps(PLAN.protocol(wildcards.protocol)["prompts"], sort_keys=True),
        eval=lambda wildcards: json.dumps(PLAN.protocol(wildcards.protocol)["eval"], sort_keys=True),
    shell:
        "fastmath-r1 evaluate --model {input.model} --model-name {wildcards.model} --benchmark {input.benchmark} "
        "--benchmark-name {wildcards.benchmark} --prompts {params.prompts:q} --eval {params.eval:q} "
        "--completions {output.completions} --metrics {output.metrics} --grades {output.grades} "
        "--threads {threads} > {log} 2>&1"
