rule evaluate:
    """k samples per problem at the largest budget (every raw completion is kept), then the grades and
    metrics at every budget, with bootstrap CIs. One job, so the model and libraries load once."""
    input:
        model=f"{R}/models/{{model}}",
        benchmark=f"{R}/data/benchmarks/{{benchmark}}.parquet",
    output:
        completions=f"{R}/eval/{{model}}/{{benchmark}}/completions.parquet",
        metrics=f"{R}/eval/{{model}}/{{benchmark}}/metrics.csv",
        grades=f"{R}/eval/{{model}}/{{benchmark}}/grades.parquet",
    params:
        prompts=as_json(config["prompts"]["eval"]),
        eval=as_json(config["eval"]),
    threads: config["threads"]
    log:
        f"{R}/logs/eval/{{model}}/{{benchmark}}.log",
    benchmark:
        f"{R}/benchmarks/eval/{{model}}/{{benchmark}}.tsv"
    conda:
        "../../envs/eval.yaml"
    shell:
        "fastmath-r1 evaluate --model {input.model} --model-name {wildcards.model} --benchmark {input.benchmark} "
        "--benchmark-name {wildcards.benchmark} --prompts {params.prompts:q} --eval {params.eval:q} "
        "--completions {output.completions} --metrics {output.metrics} --grades {output.grades} "
        "--threads {threads} > {log} 2>&1"
