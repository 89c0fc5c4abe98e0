# Two sampling protocols share one rule: `eval` (the paper's evaluation settings) and `eval-aimo` (the
# AIMO-2 protocol's prompt asking for the answer modulo 1000, its sample count and budgets).
PROTOCOLS = {
    "eval": {"prompts": config["prompts"]["eval"], "eval": config["eval"]},
    "eval-aimo": {
        "prompts": AIMO.get("prompt"),
        "eval": config["eval"] | {k: AIMO[k] for k in ("samples", "budgets", "stop_at_think_end") if k in AIMO},
    },
}


rule evaluate:
    """k samples per problem at the largest budget (every raw completion is kept), then the grades and
    metrics at every budget, with bootstrap CIs. One job, so the model and libraries load once."""
    input:
        model=f"{R}/models/{{model}}",
        benchmark=lambda wildcards: benchmark_file(wildcards.benchmark),
    output:
        completions=f"{R}/{{protocol}}/{{model}}/{{benchmark}}/completions.parquet",
        metrics=f"{R}/{{protocol}}/{{model}}/{{benchmark}}/metrics.csv",
        grades=f"{R}/{{protocol}}/{{model}}/{{benchmark}}/grades.parquet",
    params:
        prompts=lambda wildcards: json.dumps(PROTOCOLS[wildcards.protocol]["prompts"], sort_keys=True),
        eval=lambda wildcards: json.dumps(PROTOCOLS[wildcards.protocol]["eval"], sort_keys=True),
    wildcard_constraints:
        protocol="eval|eval-aimo",
    threads: config["threads"]
    resources:
        gpu=config["eval"]["gpus"],
    log:
        f"{R}/logs/{{protocol}}/{{model}}/{{benchmark}}.log",
    benchmark:
        f"{R}/benchmarks/{{protocol}}/{{model}}/{{benchmark}}.tsv"
    conda:
        "../../envs/eval.yaml"
    shell:
        "fastmath-r1 evaluate --model {input.model} --model-name {wildcards.model} --benchmark {input.benchmark} "
        "--benchmark-name {wildcards.benchmark} --prompts {params.prompts:q} --eval {params.eval:q} "
        "--completions {output.completions} --metrics {output.metrics} --grades {output.grades} "
        "--threads {threads} > {log} 2>&1"
