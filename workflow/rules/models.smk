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
            prompts=as_json(config["prompts"]),
            architecture=as_json(config["original"]["architecture"]),
            vocab_size=config["tokenizer"]["vocab_size"],
            seed=config["original"]["init_seed"],
        shell:
            "fastmath-r1 init-model --corpus {input} --prompts {params.prompts:q} --vocab-size {params.vocab_size} "
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
            prompts=as_json(config["prompts"]["sft"]),
            trainer=as_json(config["original"]["trainer"]),
            epochs=config["original"]["epochs"],
            checkpoints=f"{R}/checkpoints/original",
        shell:
            "fastmath-r1 sft --model {input.model} --data {input.data} --prompts {params.prompts:q} "
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
    threads: config["threads"]
    resources:
        gpu=config["sft"]["launch"]["gpus"],
        mem_mb=config["sft"]["launch"]["mem_mb"],
        runtime=config["sft"]["launch"]["runtime"],
    params:
        prompts=as_json(config["prompts"]["sft"]),
        trainer=as_json(config["sft"]["trainer"]),
        checkpoints=lambda wildcards: f"{R}/checkpoints/sft-e{wildcards.epochs}",
        launch=as_json(PLAN.launch("sft")),
        # A function: Snakemake would read the template's braces as wildcards.
        chat_template=lambda wildcards: config["sft"]["chat_template"] or "",
    shell:
        "fastmath-r1 launch --launch {params.launch:q} -- sft --model {input.model} --data {input.data} "
        "--prompts {params.prompts:q} --trainer {params.trainer:q} --epochs {wildcards.epochs} --out {output.model} "
        "--log-csv {output.curve} --checkpoint-dir {params.checkpoints} --chat-template={params.chat_template:q} "
        "--threads {threads} > {log} 2>&1"
