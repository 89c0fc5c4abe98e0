rule grpo:
    """Stage 2: GRPO of an arm's start model with the arm's rewards."""
    input:
        model=lambda wildcards: f"{R}/models/{GRPO_ARMS[wildcards.arm]['start']}",
        prompts=grpo_prompts_file(),
    output:
        model=directory(f"{R}/models/grpo-{{arm}}"),
        curve=f"{R}/curves/grpo-{{arm}}.csv",
    params:
        prompts=as_json(config["prompts"]["grpo"]),
        rewards=lambda wildcards: json.dumps(arm_rewards(wildcards.arm)),
        trainer=as_json(config["grpo"]["trainer"]),
        checkpoints=lambda wildcards: f"{R}/checkpoints/grpo-{wildcards.arm}",
        launch=as_json(launch_section("grpo")),
        vllm_server=vllm_server,
        max_prompt_length=(
            f"--max-prompt-length {config['grpo']['max_prompt_length']}" if config["grpo"]["max_prompt_length"] else ""
        ),
    threads: config["threads"]
    resources:
        gpu=config["grpo"]["launch"]["gpus"],
        mem_mb=config["grpo"]["launch"]["mem_mb"],
        runtime=config["grpo"]["launch"]["runtime"],
    log:
        f"{R}/logs/train/grpo-{{arm}}.log",
    benchmark:
        f"{R}/benchmarks/train/grpo-{{arm}}.tsv"
    conda:
        "../../envs/grpo.yaml"
    shell:
        "fastmath-r1 launch --launch {params.launch:q} {params.vllm_server} --server-log {log}.vllm -- "
        "grpo --model {input.model} --prompts-table {input.prompts} --prompts {params.prompts:q} "
        "--rewards {params.rewards:q} --trainer {params.trainer:q} --out {output.model} --log-csv {output.curve} "
        "--checkpoint-dir {params.checkpoints} {params.max_prompt_length} --threads {threads} > {log} 2>&1"
