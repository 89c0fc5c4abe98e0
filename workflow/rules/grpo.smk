rule grpo:
    """Stage 2: GRPO of an arm's start model with the arm's rewards."""
    input:
        model=lambda wildcards: PLAN.model_dir(PLAN.arms[wildcards.arm]["start"]),
        prompts=PLAN.grpo_prompts_file(),
    output:
        model=directory(PLAN.model_dir("grpo-{arm}")),
        curve=f"{R}/curves/grpo-{{arm}}.csv",
    log:
        f"{R}/logs/train/grpo-{{arm}}.log",
    benchmark:
        f"{R}/timings/train/grpo-{{arm}}.tsv"
    conda:
        "../../envs/grpo.yaml"
    threads: PLAN.job_threads("grpo")
    resources:
        gpu=config["grpo"]["launch"]["gpus"],
        mem_mb=config["grpo"]["launch"]["mem_mb"],
        runtime=config["grpo"]["launch"]["runtime"],
    params:
        cli=PLAN.cli("grpo"),
        # Per process; the job takes `threads` cores.
        torch_threads=config["threads"],
        prompts=as_json(config["prompts"]["grpo"]),
        rewards=lambda wildcards: " ".join(PLAN.arms[wildcards.arm]["rewards"]),
        reward_params=as_json(config["grpo"]["reward_params"]),
        trainer=as_json(config["grpo"]["trainer"]),
        checkpoints=lambda wildcards: f"{R}/checkpoints/grpo-{wildcards.arm}",
        launch=as_json(PLAN.launch("grpo")),
        vllm_server=lambda wildcards, input: PLAN.vllm_server_args(input.model),
        max_prompt_length=(
            f"--max-prompt-length {config['grpo']['max_prompt_length']}" if config["grpo"]["max_prompt_length"] else ""
        ),
    shell:
        "{params.cli} launch --launch {params.launch:q} {params.vllm_server} --server-log {log}.vllm -- "
        "grpo --model {input.model} --prompts-table {input.prompts} --prompts {params.prompts:q} "
        "--rewards {params.rewards} --reward-params {params.reward_params:q} --trainer {params.trainer:q} "
        "--out {output.model} --log-csv {output.curve} --checkpoint-dir {params.checkpoints} "
        "{params.max_prompt_length} --threads {params.torch_threads} > {log} 2>&1"
