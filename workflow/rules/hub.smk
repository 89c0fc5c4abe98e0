# Network-bound: run where Snakemake runs (a login node reaches the Hub), not as cluster jobs.
localrules:
    download_model,
    push,


rule download_model:
    """A model from the Hugging Face Hub at its pinned revision (weights, config, tokenizer)."""
    output:
        directory(PLAN.model_dir("{hub_model}")),
    log:
        f"{R}/logs/download/{{hub_model}}.log",
    benchmark:
        f"{R}/timings/download/{{hub_model}}.tsv"
    wildcard_constraints:
        hub_model=one_of(PLAN.hub_models),
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        spec=lambda wildcards: json.dumps(
            {k: PLAN.hub_models[wildcards.hub_model][k] for k in ("repo_id", "revision")},
            sort_keys=True,
        ),
    shell:
        "{params.cli} download-model --spec {params.spec:q} --out {output} > {log} 2>&1"


rule push:
    """A finished checkpoint published to the Hub with its model card (evaluation results as
    metadata) and the resolved recipe; the token comes from HF_TOKEN and never reaches a log.
    """
    input:
        model=PLAN.model_dir("{model}"),
        metrics=lambda wildcards: PLAN.eval_files("metrics.csv", [wildcards.model]),
    output:
        f"{R}/push/{{model}}.txt",
    log:
        f"{R}/logs/push/{{model}}.log",
    benchmark:
        f"{R}/timings/push/{{model}}.tsv"
    wildcard_constraints:
        model=one_of(PLAN.push["models"]),
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        repo_id=lambda wildcards: PLAN.push["models"][wildcards.model]["repo_id"],
        revision=lambda wildcards: PLAN.push["models"][wildcards.model]["revision"],
        recipe=as_json(config),
        base_model=(f"--base-model {config['original']['repo_id']}" if PLAN.original_source == "hub" else ""),
        datasets=" ".join(PLAN.training_datasets()),
        overwrite="--overwrite" if PLAN.push["overwrite"] else "",
        retries=PLAN.push["retries"],
    shell:
        "{params.cli} push --model-dir {input.model} --repo-id {params.repo_id} --revision {params.revision} "
        "--recipe {params.recipe:q} --metrics {input.metrics} {params.base_model} --dataset {params.datasets} "
        "{params.overwrite} --retries {params.retries} --out {output} > {log} 2>&1"
