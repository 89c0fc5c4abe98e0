"""The run plan: what the workflow builds for a validated config, and every check across config keys.

`Plan(config)` raises ConfigError (one line naming the key) for a config whose keys contradict each other,
before Snakemake plans any job; the rule files only read the plan. It names the models, the arms, the
held-out sets and their files, the sampling protocols, the claims this preset can compute (and why the
others are dropped), and the targets of `reproduce` and `figures`.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from fastmath_r1 import claims
from fastmath_r1.config import ConfigError, seed_config, size_config, validate_config
from fastmath_r1.names import ORIGINAL, grpo_model, sft_model, stage_labels

# The selection that keeps every row: the original model's broad corpus.
ALL_ROWS = {"min_generation_length": 0, "length_unit": "chars", "min_accuracy": 0.0, "max_accuracy": 1.0}
TABLES = ["sft_epochs", "stages", "budget_sweep", "reward_ablation", "aimo", "claims"]
FIGURES = ["sft_epochs", "budget_sweep", "reward_ablation", "per_problem", "grpo_curves"]


def refuse(key: str, message: str) -> ConfigError:
    return ConfigError(f"config key {key}: {message}")


def uses_tokens(selection: dict) -> bool:
    """Whether a selection measures traces with the original model's tokenizer."""
    return selection["length_unit"] == "tokens" and selection["min_generation_length"] > 0


class Plan:
    def __init__(self, config: dict, workflow_dir: Path):
        self.config = config
        self.workflow_dir = Path(workflow_dir)
        self.paper_numbers = str(self.workflow_dir / "paper" / "reported.csv")
        self.results = f"results/{config['preset']}"
        self.mode = config["mode"]
        self.registry = config["benchmarks"]
        self.eval = config["eval"]
        self.aimo = config["aimo"]
        self.data_source = config["data"]["source"]
        self.original_source = config["original"]["source"]
        self.eval_benchmarks = self.eval["benchmarks"]
        # Released checkpoints are compared on the budget sweeps only; the AIMO protocol runs with the recipe.
        aimo_benchmarks = self.aimo["benchmarks"] if self.mode == "recipe" else []
        self.benchmarks = list(dict.fromkeys(self.eval_benchmarks + aimo_benchmarks))
        self.report_budget = self.eval["report_budget"] or max(self.eval["budgets"])
        if self.mode == "recipe":
            self._plan_recipe()
        else:
            self._plan_released()
        self.push = config["push"]
        self._check()
        self.sizes = self._plan_sizes() if self.mode == "recipe" else []

    def _plan_recipe(self) -> None:
        self.sft_models = [sft_model(e) for e in self.config["sft"]["epochs"]]
        self.arms = self.config["grpo"]["arms"]
        self.models = [ORIGINAL, *self.sft_models, *(grpo_model(arm) for arm in self.arms)]
        self.recipe_sft = self.arms["recipe"]["start"]
        self.stages = stage_labels(self.recipe_sft)
        self.sweep_models = [ORIGINAL, self.recipe_sft, grpo_model("recipe")]
        self.ablation_arms = {
            grpo_model(arm): spec["rewards"] for arm, spec in self.arms.items() if spec["start"] == self.recipe_sft
        }
        self.hub_models = {ORIGINAL: self.config["original"]} if self.original_source == "hub" else {}
        self.imported_models = {ORIGINAL: self.config["original"]["path"]} if self.original_source == "path" else {}
        self.aimo_models = self.sweep_models
        # Reusing the evaluation's samples, the AIMO table may still grade at budgets of its own.
        self.aimo_budgets = self.aimo.get("budgets") or self.eval["budgets"]
        self.claims, self.dropped_claims = claims.computable(
            self.models, self.recipe_sft, self.eval["budgets"], self.report_budget
        )
        self.released_tables = {}
        # Paper T1 at each size without GRPO alone (which would add a GRPO run and an evaluation per size).
        self.size_stages = {m: label for m, label in self.stages.items() if m != grpo_model("rl-only")}

    def _plan_sizes(self) -> list[tuple[str, Plan]]:
        """(stands_for, plan) of each size of `snakemake sizes`, smallest first; this run's plan is this one."""
        entries = self.config["sizes"]
        if sum("preset" not in size for size in entries) != 1:
            raise refuse("sizes", "exactly one entry must be this run (the one without a preset)")
        presets = [size["preset"] for size in entries if "preset" in size]
        if self.config["preset"] in presets or len(set(presets)) < len(presets):
            raise refuse("sizes", "each size's preset must be another run than this one and than each other size's")
        sizes = []
        for i, size in enumerate(entries):
            if "preset" not in size:
                sizes.append((size["stands_for"], self))
                continue
            sized = size_config(self.config, i)  # a missing preset: its error names sizes[i].preset
            try:
                plan = Plan(validate_config(sized), self.workflow_dir)
            except ConfigError as error:
                raise refuse(f"sizes[{i}].preset", f"{size['preset']!r}: {error}") from error
            if plan.mode != "recipe" or plan.size_stages != self.size_stages:
                raise refuse(f"sizes[{i}].preset", f"{size['preset']!r} does not train this run's stages")
            sizes.append((size["stands_for"], plan))
        return sizes

    def _plan_released(self) -> None:
        """Every rule of the recipe stays defined (so that each rule file has one `localrules:` list), with
        nothing to do."""
        self.hub_models = self.config["released"]["models"]
        self.imported_models = {}
        self.models = list(self.hub_models)
        self.sft_models, self.arms, self.recipe_sft, self.stages, self.sweep_models = [], {}, None, {}, []
        self.ablation_arms, self.aimo_models, self.aimo_budgets = {}, [], []
        self.claims, self.dropped_claims = [], {}
        self.released_tables = self.config["released"]["tables"]
        self.size_stages = {}

    def seed_modules(self) -> list[tuple[str, str, dict]]:
        """(module name, rule prefix, config) of each seed run of `snakemake seeds` but this run's own (seed 0)."""
        return [(f"seed{s}", f"seed{s}_", seed_config(self.config, s)) for s in self.config["seeds"] if s]

    def seed_claims_tables(self) -> dict[int, str]:
        """The claims table of every seed run of `snakemake seeds`, this run's own (seed 0) included, by seed."""
        return {s: f"results/{seed_config(self.config, s)['preset']}/tables/claims.csv" for s in self.config["seeds"]}

    def size_modules(self) -> list[tuple[str, str, dict]]:
        """(module name, rule prefix, config) of each size of `snakemake sizes` but this run's."""
        modules = []
        for _, plan in self.sizes:
            if plan is not self:
                name = "size_" + re.sub(r"\W", "_", plan.config["preset"])
                modules.append((name, f"{name}_", plan.config))
        return modules

    def size_files(self, kind: str) -> list[tuple[str, str]]:
        """(stands_for, file) of the `kind` evaluation file (metrics.csv, grades.parquet) of each stage of each
        size, smallest size first."""
        return [(label, f) for label, plan in self.sizes for f in plan.eval_files(kind, list(plan.size_stages))]

    # ---- cross-key checks ----

    def _check(self) -> None:
        config = self.config
        for key, names in (("eval.benchmarks", self.eval_benchmarks), ("aimo.benchmarks", self.aimo["benchmarks"])):
            unknown = [name for name in names if name not in self.registry]
            if unknown:
                known = ", ".join(self.registry)
                raise refuse(key, f"{unknown[0]!r} is not in the benchmarks registry (known: {known})")
        if self.report_budget not in self.eval["budgets"]:
            raise refuse(
                "eval.report_budget", f"{self.report_budget} is not one of eval.budgets {self.eval['budgets']}"
            )
        too_many = [k for k in self.eval["pass_k"] if k > self.eval["samples"]]
        if too_many:
            raise refuse(
                "eval.pass_k",
                f"pass@{too_many[0]} needs {too_many[0]} samples per problem; eval.samples is {self.eval['samples']}",
            )
        if self.eval["backend"] == "transformers" and self.eval["shard_size"] % self.eval["batch_size"]:
            raise refuse(
                "eval.shard_size",
                f"{self.eval['shard_size']} samples is not a multiple of eval.batch_size ({self.eval['batch_size']}): "
                "the transformers backend seeds whole batches, so a shard must hold whole batches",
            )
        if self.eval["backend"] == "vllm" and max(self.eval["budgets"]) >= self.eval["max_model_len"]:
            raise refuse(
                "eval.max_model_len",
                f"{self.eval['max_model_len']} tokens leave no room for a prompt before the largest budget "
                f"({max(self.eval['budgets'])})",
            )
        if self.mode == "recipe":
            self._check_recipe()
        else:
            self._check_released()
        if self.push["enabled"]:
            if not self.push["models"]:
                raise refuse("push.models", "push is enabled but names no model to push")
            for name in self.push["models"]:
                if name not in self.models:
                    raise refuse(f"push.models.{name}", f"not a model of this run (models: {', '.join(self.models)})")
        for stage in ("sft", "grpo"):
            launch = config[stage]["launch"]
            if self.processes(stage) > 1 and not launch["accelerate_config"]:
                raise refuse(
                    f"{stage}.launch.accelerate_config",
                    f"{self.processes(stage)} processes need an accelerate config (config/accelerate/)",
                )
            if launch["gpus"] and launch["cpu_processes"]:
                raise refuse(f"{stage}.launch.cpu_processes", f"{launch['cpu_processes']} with {launch['gpus']} GPUs")
            if launch["vllm_server_gpus"] >= max(launch["gpus"], 1):
                gpus = launch["gpus"]
                raise refuse(
                    f"{stage}.launch.vllm_server_gpus", f"{launch['vllm_server_gpus']} leave no GPU of {gpus} to train"
                )

    def _check_recipe(self) -> None:
        config = self.config
        if self.aimo["reuse_eval"]:
            extra = [b for b in self.aimo["benchmarks"] if b not in self.eval_benchmarks]
            if extra:
                raise refuse(
                    "aimo.benchmarks", f"{extra[0]!r} is not in eval.benchmarks, which aimo.reuse_eval: true scores"
                )
        for name in self.aimo["benchmarks"]:
            if self.registry[name]["answer_type"] != "integer":
                kind = self.registry[name]["answer_type"]
                raise refuse(
                    "aimo.benchmarks", f"{name!r} has {kind} answers; the AIMO protocol takes integers modulo 1000"
                )
        for arm, spec in self.arms.items():
            if spec["start"] != ORIGINAL and spec["start"] not in self.sft_models:
                raise refuse(
                    f"grpo.arms.{arm}.start",
                    f"{spec['start']!r} is not trained (sft.epochs is {config['sft']['epochs']})",
                )
        if self.original_source == "trained" and self.data_source != "world":
            raise refuse(
                "original.source", f"'trained' learns from the world's corpus, but data.source is {self.data_source!r}"
            )
        if self.data_source == "hub":
            if not config["data"]["sft_sources"]:
                raise refuse("data.sft_sources", "data.source: hub needs at least one source of the stage-1 set")
            if "grpo_source" not in config["data"]:
                raise refuse("data.grpo_source", "data.source: hub needs the source of the stage-2 prompts")
        if self.data_source == "published" and "published" not in config["data"]:
            raise refuse("data.published", "data.source: published needs the published sft and grpo sets")
        trainer, launch = config["grpo"]["trainer"], config["grpo"]["launch"]
        processes = self.processes("grpo")
        rollouts = trainer["per_device_train_batch_size"] * trainer["gradient_accumulation_steps"] * processes
        if rollouts % trainer["num_generations"]:
            batch, steps, n = (
                trainer[k] for k in ("per_device_train_batch_size", "gradient_accumulation_steps", "num_generations")
            )
            raise refuse(
                "grpo.trainer.per_device_train_batch_size",
                f"{rollouts} rollouts per step ({batch} x {steps} accumulation steps x {processes} processes) "
                f"are not whole groups of num_generations ({n})",
            )
        server_mode = trainer["use_vllm"] and trainer["vllm_mode"] == "server"
        if server_mode != bool(launch["vllm_server_gpus"]):
            uses = "uses" if server_mode else "does not use"
            raise refuse(
                "grpo.launch.vllm_server_gpus",
                f"{launch['vllm_server_gpus']}, but GRPO {uses} a vLLM server (vllm_mode)",
            )

    def _check_released(self) -> None:
        for table, spec in self.released_tables.items():
            for name in spec["models"] + spec["solid"]:
                if name not in self.hub_models:
                    raise refuse(f"released.tables.{table}.models", f"{name!r} is not in released.models")
            for budget in spec["budgets"]:
                if budget not in self.eval["budgets"]:
                    raise refuse(f"released.tables.{table}.budgets", f"{budget} is not one of eval.budgets")

    # ---- files ----

    def model_dir(self, name: str) -> str:
        return f"{self.results}/models/{name}"

    def benchmark_file(self, name: str) -> str:
        folder = "data/world/benchmarks" if self.registry[name]["source"] == "world" else "data/benchmarks"
        return f"{self.results}/{folder}/{name}.parquet"

    def eval_files(self, kind: str, models: list[str]) -> list[str]:
        """`kind` (metrics.csv, grades.parquet) of every model on every evaluation benchmark."""
        return [f"{self.results}/eval/{m}/{b}/{kind}" for m in models for b in self.eval_benchmarks]

    def aimo_completions(self, model: str, benchmark: str) -> str:
        protocol = "eval" if self.aimo["reuse_eval"] else "eval-aimo"
        return f"{self.results}/{protocol}/{model}/{benchmark}/completions.parquet"

    def protocol_benchmarks(self, name: str) -> list[str]:
        return self.eval_benchmarks if name == "eval" else self.aimo["benchmarks"]

    def evaluation_protocols(self, model: str) -> list[str]:
        """The protocols one evaluation job samples for `model` (one engine for all): `eval`, and `eval-aimo` for
        the AIMO table's models where it samples again (aimo.reuse_eval: false)."""
        return ["eval"] + (["eval-aimo"] if model in self.aimo_models and not self.aimo["reuse_eval"] else [])

    def protocol_files(self, protocols: list[str], kind: str) -> list[str]:
        """`kind` (completions.parquet, metrics.csv, grades.parquet) of each protocol's benchmarks, for the
        `{model}` wildcard."""
        return [f"{self.results}/{p}/{{model}}/{b}/{kind}" for p in protocols for b in self.protocol_benchmarks(p)]

    def evaluate_args(self, model: str) -> str:
        """The `fastmath-r1 evaluate` arguments of `model`'s protocols (`evaluation_protocols`), shell-quoted."""
        args = []
        for name in self.evaluation_protocols(model):
            protocol = self.protocol(name, model)
            args += ["--benchmark", *(f"{b}={self.benchmark_file(b)}" for b in self.protocol_benchmarks(name))]
            args += ["--prompts", json.dumps(protocol["prompts"], sort_keys=True)]
            args += ["--eval", json.dumps(protocol["eval"], sort_keys=True)]
            args += ["--out-dir", f"{self.results}/{name}/{model}"]
        return shlex.join(args)

    def model_budgets(self, model: str) -> list[int]:
        """The evaluation budgets `model` is graded at: all of them for the budget sweep's models (the AIMO
        table's too) and for released checkpoints, the report budget alone for the others, which are then
        sampled up to it only. Their samples are the same (sampling is seeded per batch, and a smaller budget's
        samples are the larger one's truncated), in less time: a batch runs until its longest sample ends."""
        if self.mode == "released" or model in self.sweep_models or model in self.aimo_models:
            return self.eval["budgets"]
        return [self.report_budget]

    def protocol(self, name: str, model: str) -> dict:
        """The prompts and sampling of a protocol for `model`: `eval` (the paper's evaluation, at the model's
        budgets) or `eval-aimo` (the AIMO-2 protocol's prompt asking for the answer modulo 1000, its sample
        count and budgets)."""
        if name == "eval":
            return {
                "prompts": self.config["prompts"]["eval"],
                "eval": self.eval | {"budgets": self.model_budgets(model)},
            }
        own = {k: self.aimo[k] for k in ("samples", "budgets", "stop_at_think_end")}
        return {"prompts": self.aimo["prompt"], "eval": self.eval | own}

    def sft_set_file(self) -> str:
        """The stage-1 set: built from the world's pool or the Hub sources, or the authors' published one."""
        folder = "data/published" if self.data_source == "published" else "data"
        return f"{self.results}/{folder}/sft.parquet"

    def grpo_prompts_file(self) -> str:
        folder = {"world": "data/world", "hub": "data", "published": "data/published"}[self.data_source]
        return f"{self.results}/{folder}/grpo_prompts.parquet"

    def sft_source(self, name: str) -> dict:
        return self.config["data"]["sft_sources"][name]

    def data_tables(self) -> dict[str, str]:
        """Name -> path of every data table the run uses (the data card describes them)."""
        r, tables = self.results, {}
        if self.mode == "recipe":
            if self.data_source == "world":
                tables |= {"corpus": f"{r}/data/world/corpus.parquet", "sft_pool": f"{r}/data/world/sft_pool.parquet"}
            if self.original_source == "trained":
                tables["original_train"] = f"{r}/data/original_train.parquet"
            if self.data_source == "hub":
                tables |= {f"source-{s}": f"{r}/data/sources/{s}.parquet" for s in self.config["data"]["sft_sources"]}
            tables |= {"sft": self.sft_set_file(), "grpo_prompts": self.grpo_prompts_file()}
        return tables | {b: self.benchmark_file(b) for b in self.benchmarks}

    def training_datasets(self) -> list[str]:
        """Hub ids of the data the recipe trained on, for the model card."""
        data = self.config["data"]
        if self.data_source == "hub":
            specs = [s["dataset"] for s in data["sft_sources"].values()] + [data["grpo_source"]["dataset"]]
        elif self.data_source == "published":
            specs = [data["published"]["sft"], data["published"]["grpo"]]
        else:
            specs = []
        return list(dict.fromkeys(s["repo_id"] for s in specs))

    # ---- steps ----

    def cli(self, env: str) -> str:
        """The `fastmath-r1` a step of env `env` (envs/<env>.yaml) runs: its own venv's under `step_venvs`,
        else the one on PATH."""
        venvs = self.config["step_venvs"]
        return str(Path(venvs).resolve() / env / "bin" / "fastmath-r1") if venvs else "fastmath-r1"

    def launch(self, stage: str) -> dict:
        """The stage's launch section, its accelerate config resolved against the workflow folder."""
        launch = dict(self.config[stage]["launch"])
        if launch["accelerate_config"]:
            launch["accelerate_config"] = str(self.workflow_dir / launch["accelerate_config"])
        return launch

    def processes(self, stage: str) -> int:
        """Training processes of a stage: its GPUs less those of a vLLM server, or its CPU processes."""
        launch = self.config[stage]["launch"]
        return max(launch["gpus"] - launch["vllm_server_gpus"], launch["cpu_processes"], 1)

    def job_threads(self, step: str) -> int:
        """CPU cores a job of `step` (sft, grpo, eval) takes, so that Snakemake does not start others on them: a
        training job's threads in each of its processes; an evaluation's threads, and on a CPU-only vLLM one more
        for its engine's scheduler process, which polls busily while the worker generates."""
        if step == "eval":
            cpu_vllm = self.eval["backend"] == "vllm" and not self.eval["gpus"]
            return self.config["threads"] + cpu_vllm
        return self.config["threads"] * (self.config[step]["launch"]["cpu_processes"] or 1)

    def sft_sequences_per_step(self) -> int:
        """Sequences per stage-1 optimizer step: per-device batch x accumulation steps x processes."""
        trainer = self.config["sft"]["trainer"]
        return trainer["per_device_train_batch_size"] * trainer["gradient_accumulation_steps"] * self.processes("sft")

    def vllm_server_args(self, model_dir: str) -> str:
        """GRPO in vLLM server mode: the `--vllm-server` option of `fastmath-r1 launch` (what `trl vllm-serve`
        runs, fastmath_r1/launch.py); empty otherwise."""
        trainer = self.config["grpo"]["trainer"]
        if not (trainer["use_vllm"] and trainer["vllm_mode"] == "server"):
            return ""
        server = {
            "model": model_dir,
            "port": trainer["vllm_server_port"],
            "gpu_memory_utilization": trainer["vllm_gpu_memory_utilization"],
            "max_model_len": trainer["vllm_max_model_length"],
        }
        return f"--vllm-server {shlex.quote(json.dumps(server))}"

    # ---- targets ----

    def reproduce_targets(self) -> list[str]:
        r = self.results
        if self.mode == "released":
            tables = self.released_tables
            return [
                f"{r}/data/data_card.md",
                *[f"{r}/tables/budget_sweep_{t}.{ext}" for t in tables for ext in ("csv", "md")],
                *[f"{r}/figures/budget_sweep_{t}.png" for t in tables],
            ]
        pushed = [f"{r}/push/{model}.txt" for model in self.push["models"]] if self.push["enabled"] else []
        return [
            *pushed,
            f"{r}/data/data_card.md",
            f"{r}/report.md",
            f"{r}/tables/per_problem.csv",
            f"{r}/tables/packing.md",
            *[f"{r}/tables/{t}.{ext}" for t in TABLES for ext in ("csv", "md") if (t, ext) != ("claims", "md")],
            *[f"{r}/figures/{f}.png" for f in FIGURES],
        ]

    def figure_targets(self) -> list[str]:
        """What `reproduce` builds except pushes and what reads the data (the data card, the packing table)."""
        data = ("data_card.md", "packing.md")
        return [t for t in self.reproduce_targets() if not t.endswith(data) and "/push/" not in t]
