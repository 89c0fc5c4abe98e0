if ORIGINAL_SOURCE == "trained":

    rule init_model:
        """Tokenizer trained on the corpus and a freshly initialised small Qwen2."""
        input:
            f"{R}/data/original_train.parquet",
        output:
            directory(f"{R}/models/init"),
        params:
            prompts=as_json(config["prompts"]),
            architecture=as_json(config["original"]["architecture"]),
            vocab_size=config["tokenizer"]["vocab_size"],
            seed=config["original"]["init_seed"],
        log:
            f"{R}/logs/init_model.log",
        benchmark:
            f"{R}/benchmarks/init_model.tsv"
        conda:
            "../../envs/sft.yaml"
        shell:
            "fastmath-r1 init-model --corpus {input} --prompts {params.prompts:q} --vocab-size {params.vocab_size} "
            "--architecture {params.architecture:q} --seed {params.seed} --out {output} > {log} 2>&1"


    rule original:
        """The stand-in for DeepSeek-R1-Distill-Qwen-14B: SFT of the initial model on the broad corpus."""
        input:
            model=f"{R}/models/init",
            data=f"{R}/data/original_train.parquet",
        output:
            model=directory(f"{R}/models/original"),
            curve=f"{R}/curves/original.csv",
        params:
            prompts=as_json(config["prompts"]["sft"]),
            trainer=as_json(config["original"]["trainer"]),
            epochs=config["original"]["epochs"],
            checkpoints=f"{R}/checkpoints/original",
        # Every later job waits for this one, so it takes all the cores it is given.
        threads: lambda wildcards: workflow.cores
        log:
            f"{R}/logs/train/original.log",
        benchmark:
            f"{R}/benchmarks/train/original.tsv"
        conda:
            "../../envs/sft.yaml"
        shell:
            "fastmath-r1 sft --model {input.model} --data {input.data} --prompts {params.prompts:q} "
            "--trainer {params.trainer:q} --epochs {params.epochs} --out {output.model} --log-csv {output.curve} "
            "--checkpoint-dir {params.checkpoints} --threads {threads} > {log} 2>&1"


rule sft:
    """Stage 1: full-parameter SFT of the original model, one full schedule per epoch count."""
    input:
        model=f"{R}/models/original",
        data=f"{R}/data/sft.parquet",
    output:
        model=directory(f"{R}/models/sft-e{{epochs}}"),
        curve=f"{R}/curves/sft-e{{epochs}}.csv",
    params:
        prompts=as_json(config["prompts"]["sft"]),
        trainer=as_json(config["sft"]["trainer"]),
        checkpoints=lambda wildcards: f"{R}/checkpoints/sft-e{wildcards.epochs}",
        launch=as_json(launch_section("sft")),
        chat_template=lambda wildcards: config["sft"]["chat_template"] or "",
    threads: config["threads"]
    resources:
        gpu=config["sft"]["launch"]["gpus"],
        mem_mb=config["sft"]["launch"]["mem_mb"],
        runtime=config["sft"]["launch"]["runtime"],
    log:
        f"{R}/logs/train/sft-e{{epochs}}.log",
    benchmark:
        f"{R}/benchmarks/train/sft-e{{epochs}}.tsv"
    conda:
        "../../envs/sft.yaml"
    shell:
        "fastmath-r1 launch --launch {params.launch:q} -- sft --model {input.model} --data {input.data} --prompts {params.prompts:q} "
        "--trainer {params.trainer:q} --epochs {wildcards.epochs} --out {output.model} --log-csv {output.curve} "
        "--checkpoint-dir {params.checkpoints} --chat-template={params.chat_template:q} --threads {threads} > {log} 2>&1"
