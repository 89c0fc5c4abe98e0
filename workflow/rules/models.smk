localrules:
    import_model,


rule import_model:
    """Your own model (original.source: path): a local Hugging Face-format directory, checked as a download
    is (config, tokenizer, safetensors weights; pickle weights refused) and linked into the run."""
    output:
        directory(PLAN.model_dir("{imported}")),
    log:
        f"{R}/logs/import/{{imported}}.log",
    benchmark:
        f"{R}/timings/import/{{imported}}.tsv"
    wildcard_constraints:
        imported=one_of(PLAN.imported_models),
    conda:
        "../../envs/hub.yaml"
    params:
        cli=PLAN.cli("hub"),
        path=lambda wildcards: PLAN.imported_models[wildcards.imported],
    shell:
        "{params.cli} import-model --path {params.path:q} --out {output} > {log} 2>&1"


if PLAN.original_source == "trained":

    rule init_model:
        """Tokenizer trained on the corpus and a freshly initialised small Qwen2."""
        input:
            rules.original_set.output,
        output:
            directory(PLAN.model_dir("init")),
        log:
            f"{R}/logs/init_model.log",
        benchmark:
            f"{R}/timings/init_model.tsv"
        conda:
            "../../envs/sft.yaml"
        params:
            cli=PLAN.cli("sft"),
            prompts=as_json(config["prompts"]),
            architecture=as_json(config["original"]["architecture"]),
            vocab_size=config["tokenizer"]["vocab_size"],
            seed=config["original"]["init_seed"],
        shell:
            "{params.cli} init-model --corpus {input} --prompts {params.prompts:q} --vocab-size {params.vocab_size} "
            "--architecture {params.architecture:q} --seed {params.seed} --out {output} > {log} 2>&1"

    rule original:
        """The stand-in for DeepSeek-R1-Distill-Qwen-14B: SFT of the initial model on the broad corpus."""
        input:
            model=rules.init_model.output,
            data=rules.original_set.output,
        output:
            model=directory(PLAN.model_dir("original")),
            curve=f"{R}/curves/original.csv",
        log:
            f"{R}/logs/train/original.log",
        benchmark:
            f"{R}/timings/train/original.tsv"
        conda:
            "../../envs/sft.yaml"
        # Every later job waits for this one, so it takes all the cores it is given.
        threads: lambda wildcards: workflow.cores
        params:
            cli=PLAN.cli("sft"),
            prompts=as_json(config["prompts"]["sft"]),
            trainer=as_json(config["original"]["trainer"]),
            epochs=config["original"]["epochs"],
            checkpoints=f"{R}/checkpoints/original",
        shell:
            "{params.cli} sft --model {input.model} --data {input.data} --prompts {params.prompts:q} "
            "--trainer {params.trainer:q} --epochs {params.epochs} --out {output.model} --log-csv {output.curve} "
            "--checkpoint-dir {params.checkpoints} --threads {threads} > {log} 2>&1"


rule sft:
    """Stage 1: full-parameter SFT of the original model, one full schedule per epoch count."""
    input:
        model=PLAN.model_dir("original"),
        data=PLAN.sft_set_file(),
    output:
        model=directory(PLAN.model_dir("sft-e{epochs}")),
        curve=f"{R}/curves/sft-e{{epochs}}.csv",
    log:
        f"{R}/logs/train/sft-e{{epochs}}.log",
    benchmark:
        f"{R}/timings/train/sft-e{{epochs}}.tsv"
    conda:
        "../../envs/sft.yaml"
    threads: PLAN.job_threads("sft")
    resources:
        gpu=config["sft"]["launch"]["gpus"],
        mem_mb=config["sft"]["launch"]["mem_mb"],
        runtime=config["sft"]["launch"]["runtime"],
    params:
        cli=PLAN.cli("sft"),
        # Per process; the job takes `threads` cores.
        torch_threads=config["threads"],
        prompts=as_json(config["prompts"]["sft"]),
        trainer=as_json(config["sft"]["trainer"]),
        checkpoints=lambda wildcards: f"{R}/checkpoints/sft-e{wildcards.epochs}",
        launch=as_json(PLAN.launch("sft")),
        # A function: Snakemake would read the template's braces as wildcards.
        chat_template=lambda wildcards: config["sft"]["chat_template"] or "",
        attention=config["sft"]["attn_implementation"] or "",
    shell:
        "{params.cli} launch --launch {params.launch:q} -- sft --model {input.model} --data {input.data} "
        "--prompts {params.prompts:q} --trainer {params.trainer:q} --epochs {wildcards.epochs} --out {output.model} "
        "--log-csv {output.curve} --checkpoint-dir {params.checkpoints} --chat-template={params.chat_template:q} "
        "--attn-implementation={params.attention} "
        "--threads {params.torch_threads} > {log} 2>&1"


rule packing:
    """What each of TRL's packing strategies does to the stage-1 set (traces truncated, steps per epoch),
    beside the strategy this preset trains with."""
    input:
        data=PLAN.sft_set_file(),
        model=PLAN.model_dir("original"),
    output:
        csv=f"{R}/tables/packing.csv",
        md=report(f"{R}/tables/packing.md", caption="../report/packing.rst", category="Data"),
    log:
        f"{R}/logs/packing.log",
    benchmark:
        f"{R}/timings/packing.tsv"
    conda:
        "../../envs/sft.yaml"
    params:
        cli=PLAN.cli("sft"),
        prompts=as_json(config["prompts"]["sft"]),
        chat_template=lambda wildcards: config["sft"]["chat_template"] or "",
        max_length=config["sft"]["trainer"]["max_length"],
        per_step=PLAN.sft_sequences_per_step(),
        configured=config["sft"]["trainer"].get("packing_strategy", "") if config["sft"]["trainer"]["packing"] else "",
    shell:
        "{params.cli} packing --data {input.data} --model {input.model} --prompts {params.prompts:q} "
        "--chat-template={params.chat_template:q} --max-length {params.max_length} "
        "--sequences-per-step {params.per_step} --configured={params.configured} --out-csv {output.csv} "
        "--out-md {output.md} > {log} 2>&1"
