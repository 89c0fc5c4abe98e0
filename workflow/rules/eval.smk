# Every raw completion is kept: k samples per problem at the largest budget, then the grades and metrics at
# every budget with bootstrap CIs. One job per model, so the model and the engine load once for all its
# benchmarks (a vLLM engine takes half a minute to start on a CPU, minutes for a 14B model on a GPU). Two
# sampling protocols (Plan.protocol): `eval`, the paper's evaluation, and `eval-aimo`, the AIMO-2 protocol's.


rule evaluate:
    """The paper's evaluation of one model on every held-out set."""
    input:
        model=PLAN.model_dir("{model}"),
        benchmarks=[PLAN.benchmark_file(b) for b in PLAN.protocol_benchmarks("eval")],
    output:
        completions=expand(f"{R}/eval/{{{{model}}}}/{{b}}/completions.parquet", b=PLAN.protocol_benchmarks("eval")),
        metrics=expand(f"{R}/eval/{{{{model}}}}/{{b}}/metrics.csv", b=PLAN.protocol_benchmarks("eval")),
        grades=expand(f"{R}/eval/{{{{model}}}}/{{b}}/grades.parquet", b=PLAN.protocol_benchmarks("eval")),
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
        benchmarks=" ".join(f"{b}={PLAN.benchmark_file(b)}" for b in PLAN.protocol_benchmarks("eval")),
        prompts=as_json(PLAN.protocol("eval")["prompts"]),
        eval=as_json(PLAN.protocol("eval")["eval"]),
        out_dir=f"{R}/eval/{{model}}",
    shell:
        "{params.cli} evaluate --model {input.model} --model-name {wildcards.model} --benchmark {params.benchmarks} "
        "--prompts {params.prompts:q} --eval {params.eval:q} --out-dir {params.out_dir} --threads {threads} "
        "> {log} 2>&1"


rule evaluate_aimo:
    """The AIMO-2 protocol (its own prompt, samples and budgets) of one model on the AIMO benchmarks."""
    input:
        model=PLAN.model_dir("{model}"),
        benchmarks=[PLAN.benchmark_file(b) for b in PLAN.protocol_benchmarks("eval-aimo")],
    output:
        completions=expand(
            f"{R}/eval-aimo/{{{{model}}}}/{{b}}/completions.parquet", b=PLAN.protocol_benchmarks("eval-aimo")
        ),
        metrics=expand(f"{R}/eval-aimo/{{{{model}}}}/{{b}}/metrics.csv", b=PLAN.protocol_benchmarks("eval-aimo")),
        grades=expand(f"{R}/eval-aimo/{{{{model}}}}/{{b}}/grades.parquet", b=PLAN.protocol_benchmarks("eval-aimo")),
    log:
        f"{R}/logs/eval-aimo/{{model}}.log",
    benchmark:
        f"{R}/timings/eval-aimo/{{model}}.tsv"
    conda:
        "../../envs/eval.yaml"
    threads: PLAN.job_threads("eval")
    resources:
        gpu=config["eval"]["gpus"],
    params:
        cli=PLAN.cli("eval"),
        benchmarks=" ".join(f"{b}={PLAN.benchmark_file(b)}" for b in PLAN.protocol_benchmarks("eval-aimo")),
        # A function: the AIMO prompt exists only when the protocol runs (aimo.reuse_eval: false).
        prompts=lambda wildcards: json.dumps(PLAN.protocol("eval-aimo")["prompts"], sort_keys=True),
        eval=lambda wildcards: json.dumps(PLAN.protocol("eval-aimo")["eval"], sort_keys=True),
        out_dir=f"{R}/eval-aimo/{{model}}",
    shell:
        "{params.cli} evaluate --model {input.model} --model-name {wildcards.model} --benchmark {params.benchmarks} "
        "--prompts {params.prompts:q} --eval {params.eval:q} --out-dir {params.out_dir} --threads {threads} "
        "> {log} 2>&1"
