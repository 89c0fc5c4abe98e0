rule generate:
    """k samples per problem at the largest budget; every raw completion is kept."""
    input:
        model=f"{R}/models/{{model}}",
        benchmark=f"{R}/data/benchmarks/{{benchmark}}.parquet",
    output:
        f"{R}/eval/{{model}}/{{benchmark}}/completions.parquet",
    params:
        prompts=as_json(config["prompts"]["eval"]),
        eval=as_json(config["eval"]),
    threads: config["threads"]
    log:
        f"{R}/logs/eval/{{model}}/{{benchmark}}/generate.log",
    benchmark:
        f"{R}/benchmarks/eval/{{model}}/{{benchmark}}/generate.tsv"
    conda:
        "../../envs/eval.yaml"
    shell:
        "fastmath-r1 generate --model {input.model} --benchmark {input.benchmark} --prompts {params.prompts:q} "
        "--eval {params.eval:q} --out {output} --threads {threads} > {log} 2>&1"


rule score:
    """Grade the completions and compute the metrics at every budget, with bootstrap CIs."""
    input:
        model=f"{R}/models/{{model}}",
        benchmark=f"{R}/data/benchmarks/{{benchmark}}.parquet",
        completions=f"{R}/eval/{{model}}/{{benchmark}}/completions.parquet",
    output:
        f"{R}/eval/{{model}}/{{benchmark}}/metrics.csv",
    params:
        eval=as_json(config["eval"]),
    log:
        f"{R}/logs/eval/{{model}}/{{benchmark}}/score.log",
    benchmark:
        f"{R}/benchmarks/eval/{{model}}/{{benchmark}}/score.tsv"
    conda:
        "../../envs/eval.yaml"
    shell:
        "fastmath-r1 score --model {input.model} --model-name {wildcards.model} --benchmark {input.benchmark} "
        "--benchmark-name {wildcards.benchmark} --completions {input.completions} --eval {params.eval:q} "
        "--out {output} > {log} 2>&1"
