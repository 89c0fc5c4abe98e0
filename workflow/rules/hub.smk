if HUB_MODELS:

    rule download_model:
        """A model from the Hugging Face Hub at its pinned revision (weights, config, tokenizer)."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        output:
            directory(f"{R}/models/{{hub_model}}"),
        params:
            spec=lambda wildcards: json.dumps(
                {k: HUB_MODELS[wildcards.hub_model][k] for k in ("repo_id", "revision")}, sort_keys=True
            ),
        wildcard_constraints:
            hub_model="|".join(HUB_MODELS),
        log:
            f"{R}/logs/download/{{hub_model}}.log",
        benchmark:
            f"{R}/benchmarks/download/{{hub_model}}.tsv"
        conda:
            "../../envs/hub.yaml"
        shell:
            "fastmath-r1 download-model --spec {params.spec:q} --out {output} > {log} 2>&1"


if PUSH["enabled"]:

    rule push:
        """A finished checkpoint published to the Hub with its model card (evaluation results as
        metadata) and the resolved recipe; the token comes from HF_TOKEN and never reaches a log."""
        # Light (or network-bound): runs where Snakemake runs, not as a cluster job.
        localrule: True
        input:
            model=f"{R}/models/{{model}}",
            metrics=lambda wildcards: metrics_files([wildcards.model]),
        output:
            f"{R}/push/{{model}}.txt",
        params:
            repo_id=lambda wildcards: PUSH["models"][wildcards.model]["repo_id"],
            revision=lambda wildcards: PUSH["models"][wildcards.model]["revision"],
            recipe=as_json(config),
            base_model=f"--base-model {config['original']['repo_id']}" if ORIGINAL_SOURCE == "hub" else "",
            datasets=" ".join(training_datasets()),
            overwrite="--overwrite" if PUSH["overwrite"] else "",
            retries=PUSH["retries"],
        wildcard_constraints:
            model="|".join(PUSH["models"]),
        log:
            f"{R}/logs/push/{{model}}.log",
        benchmark:
            f"{R}/benchmarks/push/{{model}}.tsv"
        conda:
            "../../envs/hub.yaml"
        shell:
            "fastmath-r1 push --model-dir {input.model} --repo-id {params.repo_id} --revision {params.revision} "
            "--recipe {params.recipe:q} --metrics {input.metrics} {params.base_model} --dataset {params.datasets} "
            "{params.overwrite} --retries {params.retries} --out {output} > {log} 2>&1"
