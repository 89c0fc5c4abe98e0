"""fastmath_r1.plan: what the workflow builds for each preset, and every check across config keys, each
triggered here with its one-line message."""

import copy
import re
from pathlib import Path

import pytest

from fastmath_r1.config import ConfigError, load_config, merge, validate_config
from fastmath_r1.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ROOT / "config" / "presets"
DEFAULT = load_config()
PAPER = load_config(PRESETS / "paper.yaml")
RELEASED = load_config(PRESETS / "released.yaml")


def plan(base: dict, override: dict | None = None, drop: tuple[str, ...] = ()) -> Plan:
    """The plan of `base` with `override` merged in and the dotted keys in `drop` removed, revalidated."""
    config = merge(copy.deepcopy(base), override or {})
    for dotted in drop:
        *parents, key = dotted.split(".")
        node = config
        for parent in parents:
            node = node[parent]
        del node[key]
    return Plan(validate_config(config), ROOT)


# --- what the default preset builds -------------------------------------------------------------------


def test_default_plan_names_every_model_arm_and_target():
    p = plan(DEFAULT)
    assert p.results == "results/mini"
    assert p.models == ["original", "sft-e1", "sft-e2", "sft-e5", "sft-e10", "grpo-recipe", "grpo-rl-only",
                        "grpo-cosine", "grpo-accuracy", "grpo-accuracy-length"]  # fmt: skip
    assert p.recipe_sft == "sft-e10" and p.sweep_models == ["original", "sft-e10", "grpo-recipe"]
    assert list(p.stages) == ["original", "grpo-rl-only", "sft-e10", "grpo-recipe"]
    assert p.ablation_arms == {"grpo-recipe": ["format", "cosine", "length"], "grpo-cosine": ["format", "cosine"],
                               "grpo-accuracy": ["format", "accuracy"],
                               "grpo-accuracy-length": ["format", "accuracy", "length"]}  # fmt: skip
    assert p.benchmarks == ["aime24-mini", "aime25-mini"] and p.hub_models == {}
    assert p.benchmark_file("aime24-mini") == "results/mini/data/world/benchmarks/aime24-mini.parquet"
    assert p.aimo_completions("original", "aime25-mini") == "results/mini/eval/original/aime25-mini/completions.parquet"
    assert p.eval_files("metrics.csv", ["original"]) == [
        "results/mini/eval/original/aime24-mini/metrics.csv", "results/mini/eval/original/aime25-mini/metrics.csv"
    ]  # fmt: skip
    # Its report budget (128) lies below its largest (192): every claim is computed, "faster at equal accuracy" too.
    assert p.report_budget == 128 and max(p.eval["budgets"]) == 192
    assert len(p.claims) == 14 and p.dropped_claims == {}
    targets = p.reproduce_targets()
    assert "results/mini/report.md" in targets and "results/mini/figures/grpo_curves.png" in targets
    assert set(p.figure_targets()) == set(targets) - {
        "results/mini/data/data_card.md",
        "results/mini/tables/packing.md",
    }


def test_seed_runs_are_modules_with_their_own_results_folder():
    p = plan(DEFAULT)
    assert [(name, prefix) for name, prefix, _ in p.seed_modules()] == [("seed1", "seed1_"), ("seed2", "seed2_")]
    assert [Plan(c, ROOT).results for _, _, c in p.seed_modules()] == ["results/mini-seed1", "results/mini-seed2"]
    assert p.seed_claims_tables() == {s: f"results/{name}/tables/claims.csv"
                                      for s, name in [(0, "mini"), (1, "mini-seed1"), (2, "mini-seed2")]}  # fmt: skip
    # A seed run plans no seed runs of its own.
    assert all(Plan(c, ROOT).seed_modules() == [] for _, _, c in p.seed_modules())
    assert plan(DEFAULT, {"seeds": [0, 4]}).seed_claims_tables() == {
        0: "results/mini/tables/claims.csv", 4: "results/mini-seed4/tables/claims.csv"
    }  # fmt: skip


def test_paper_plan_reads_the_hub_and_launches_accelerate():
    p = plan(PAPER)
    assert p.hub_models == {"original": PAPER["original"]}
    assert p.benchmark_file("aime24") == "results/paper/data/benchmarks/aime24.parquet"
    assert set(p.data_tables()) == {"source-openr1-long", "source-openr1-moderate", "source-openr1-hard",
                                    "source-light-r1-stage2", "sft", "grpo_prompts", "aime24", "aime25", "math500",
                                    "aimo2-reference"}  # fmt: skip
    assert p.launch("sft")["accelerate_config"] == str(ROOT / "config" / "accelerate" / "zero3.yaml")
    assert p.aimo_completions("original", "aime25") == "results/paper/eval-aimo/original/aime25/completions.parquet"
    assert p.protocol("eval-aimo", "original")["eval"]["samples"] == 32
    assert p.protocol("eval", "original")["eval"]["samples"] == 64
    assert p.evaluation_protocols("original") == ["eval", "eval-aimo"] and p.evaluation_protocols("sft-e1") == ["eval"]
    assert p.vllm_server_args("m") == ""  # colocated vLLM: no server


def test_only_the_budget_sweep_s_models_are_sampled_past_the_report_budget():
    p = plan(DEFAULT)
    budgets, report = DEFAULT["eval"]["budgets"], DEFAULT["eval"]["report_budget"]
    assert report < max(budgets)
    for model in p.sweep_models:
        assert p.protocol("eval", model)["eval"]["budgets"] == budgets
    for model in ("sft-e1", "grpo-cosine", "grpo-rl-only"):
        assert p.protocol("eval", model)["eval"]["budgets"] == [report]
        assert f'"budgets": [{report}]' in p.evaluate_args(model)
    released = plan(load_config(PRESETS / "released.yaml"))
    assert all(released.model_budgets(m) == released.eval["budgets"] for m in released.models)


def test_a_cpu_job_takes_a_core_per_thread_of_each_process_and_vllm_one_more():
    cpu = plan(load_config(PRESETS / "paper-cpu.yaml"))
    assert cpu.job_threads("sft") == cpu.job_threads("grpo") == 2 * cpu.config["threads"]  # 2 CPU processes
    assert plan(DEFAULT).job_threads("sft") == DEFAULT["threads"]  # in-process
    assert plan(PAPER).job_threads("grpo") == PAPER["threads"]  # on GPUs: no CPU processes
    # vLLM on a CPU: a core more for the engine's scheduler process; on a GPU, or with transformers, none.
    assert cpu.job_threads("eval") == cpu.config["threads"] + 1
    assert plan(PAPER).job_threads("eval") == plan(DEFAULT).job_threads("eval") == DEFAULT["threads"]


def test_released_plan_evaluates_published_checkpoints_only():
    p = plan(RELEASED)
    assert p.models == list(RELEASED["released"]["models"]) and p.arms == {} and p.claims == []
    assert p.reproduce_targets()[0] == "results/released/data/data_card.md"
    assert "results/released/figures/budget_sweep_t4.png" in p.reproduce_targets()


def test_a_preset_without_one_epoch_drops_the_claims_that_need_it():
    p = plan(DEFAULT, {"sft": {"epochs": [2, 10]}})
    assert set(p.dropped_claims) == {"sft-longer-raises-accuracy", "sft-1-epoch-lowers-accuracy",
                                     "sft-1-epoch-lengthens"}  # fmt: skip
    assert len(p.claims) == 11


def test_server_mode_passes_the_vllm_server_settings():
    override = {"grpo": {"trainer": {"use_vllm": True, "vllm_mode": "server"}, "launch": {"vllm_server_gpus": 4}}}
    args = plan(PAPER, override).vllm_server_args("results/paper/models/sft-e10")
    assert args.startswith("--vllm-server '") and '"port": 8000' in args and '"max_model_len": 16896' in args


# --- every cross-key check ----------------------------------------------------------------------------

HUB_SERVER = {"grpo": {"trainer": {"use_vllm": True, "vllm_mode": "server"}}}
CHECKS = [
    # (base, override, keys dropped, the one-line message)
    ("default", {"eval": {"benchmarks": ["aime24-mini", "aime26"]}}, (),
     "config key eval.benchmarks: 'aime26' is not in the benchmarks registry (known: aime24-mini, aime25-mini)"),
    ("default", {"aimo": {"benchmarks": ["aimo3"]}}, (),
     "config key aimo.benchmarks: 'aimo3' is not in the benchmarks registry (known: aime24-mini, aime25-mini)"),
    ("default", {"eval": {"report_budget": 100}}, (),
     "config key eval.report_budget: 100 is not one of eval.budgets [64, 96, 128, 192]"),
    ("default", {"eval": {"pass_k": [8, 16]}}, (),
     "config key eval.pass_k: pass@16 needs 16 samples per problem; eval.samples is 8"),
    ("default", {"eval": {"shard_size": 100}}, (),
     "config key eval.shard_size: 100 samples is not a multiple of eval.batch_size (256): the transformers backend "
     "seeds whole batches, so a shard must hold whole batches"),
    ("paper", {"eval": {"max_model_len": 32000}}, (),
     "config key eval.max_model_len: 32000 tokens leave no room for a prompt before the largest budget (32000)"),
    ("default", {"push": {"enabled": True}}, (), "config key push.models: push is enabled but names no model to push"),
    ("default", {"push": {"enabled": True, "models": {"sft-e3": {"repo_id": "me/m"}}}}, (),
     "config key push.models.sft-e3: not a model of this run (models: original, sft-e1, sft-e2, sft-e5, sft-e10, "
     "grpo-recipe, grpo-rl-only, grpo-cosine, grpo-accuracy, grpo-accuracy-length)"),
    ("default", {"sft": {"launch": {"gpus": 4}}}, (),
     "config key sft.launch.accelerate_config: 4 processes need an accelerate config (config/accelerate/)"),
    ("paper", {"sft": {"launch": {"cpu_processes": 2}}}, (),
     "config key sft.launch.cpu_processes: 2 with 8 GPUs"),
    ("paper", merge({"grpo": {"launch": {"vllm_server_gpus": 8}}}, HUB_SERVER), (),
     "config key grpo.launch.vllm_server_gpus: 8 leave no GPU of 8 to train"),
    ("default", {"aimo": {"benchmarks": ["aime24-mini"]}, "eval": {"benchmarks": ["aime25-mini"]}}, (),
     "config key aimo.benchmarks: 'aime24-mini' is not in eval.benchmarks, which aimo.reuse_eval: true scores"),
    ("paper", {"aimo": {"benchmarks": ["math500"]}}, (),
     "config key aimo.benchmarks: 'math500' has expression answers; the AIMO protocol takes integers modulo 1000"),
    ("default", {"grpo": {"arms": {"cosine": {"start": "sft-e3"}}}}, (),
     "config key grpo.arms.cosine.start: 'sft-e3' is not trained (sft.epochs is [1, 2, 5, 10])"),
    ("default", {"data": {"source": "published"}}, (),
     "config key original.source: 'trained' learns from the world's corpus, but data.source is 'published'"),
    ("paper", {}, ("data.sft_sources",),
     "config key data.sft_sources: data.source: hub needs at least one source of the stage-1 set"),
    ("paper", {}, ("data.grpo_source",),
     "config key data.grpo_source: data.source: hub needs the source of the stage-2 prompts"),
    ("paper", {"data": {"source": "published"}}, ("data.published",),
     "config key data.published: data.source: published needs the published sft and grpo sets"),
    ("default", {"grpo": {"trainer": {"per_device_train_batch_size": 60}}}, (),
     "config key grpo.trainer.per_device_train_batch_size: 60 rollouts per step (60 x 1 accumulation steps x 1 "
     "processes) are not whole groups of num_generations (8)"),
    ("paper", HUB_SERVER, (),
     "config key grpo.launch.vllm_server_gpus: 0, but GRPO uses a vLLM server (vllm_mode)"),
    ("paper", {"grpo": {"launch": {"vllm_server_gpus": 2}}}, (),
     "config key grpo.launch.vllm_server_gpus: 2, but GRPO does not use a vLLM server (vllm_mode)"),
    ("released", {"released": {"tables": {"t4": {"models": ["fast-math-r1-7b"]}}}}, (),
     "config key released.tables.t4.models: 'fast-math-r1-7b' is not in released.models"),
    ("released", {"released": {"tables": {"t4": {"budgets": [9000]}}}}, (),
     "config key released.tables.t4.budgets: 9000 is not one of eval.budgets"),
    ("default", {"sizes": [{"stands_for": "a"}, {"stands_for": "b"}]}, (),
     "config key sizes: exactly one entry must be this run (the one without a preset)"),
    ("default", {"sizes": [{"stands_for": "a", "preset": "mini"}, {"stands_for": "b"}]}, (),
     "config key sizes: each size's preset must be another run than this one and than each other size's"),
    ("default", {"sizes": [{"stands_for": "a", "preset": "smoke"}, {"stands_for": "b"}]}, (),
     "config key sizes[0].preset: 'smoke' does not train this run's stages"),
]  # fmt: skip


@pytest.mark.parametrize("base, override, drop, message", CHECKS, ids=[c[3].split(":")[0][11:] for c in CHECKS])
def test_every_cross_key_check_stops_with_one_line_naming_the_key(base, override, drop, message):
    config = {"default": DEFAULT, "paper": PAPER, "released": RELEASED}[base]
    with pytest.raises(ConfigError) as raised:
        plan(config, override, drop)
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)


def test_the_checks_cover_every_refusal_in_the_plan():
    """Every `refuse(<key>, ...)` in plan.py (its key a template such as "push.models.{name}") is triggered
    above, and every key of the `for key, names in ...` loop too."""
    source = (ROOT / "fastmath_r1" / "plan.py").read_text()
    templates = re.findall(r'refuse\(\s*f?"([^"]+)"', source) + ["eval.benchmarks", "aimo.benchmarks"]
    keys = [message.split(":")[0].removeprefix("config key ") for _, _, _, message in CHECKS]
    assert source.count("raise refuse(") == len(templates) - 2 + 1  # the loop raises once for both keys
    for template in templates:
        pattern = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        pattern = re.sub(r"\{[a-z_]+\}", r"[a-z0-9-]+", pattern)
        assert any(re.fullmatch(pattern, key) for key in keys), template


def test_every_preset_passes_the_checks():
    for path in sorted(PRESETS.glob("*.yaml")):
        Plan(load_config(path), ROOT)


def test_sizes_are_modules_of_their_presets_and_the_table_reads_each_size_s_stages():
    p = plan(DEFAULT)
    assert [(label, size.config["preset"]) for label, size in p.sizes] == [
        ("1.5B", "mini-small"), ("7B", "mini-medium"), ("14B", "mini")
    ]  # fmt: skip
    assert p.sizes[-1][1] is p
    assert [(name, prefix) for name, prefix, _ in p.size_modules()] == [
        ("size_mini_small", "size_mini_small_"), ("size_mini_medium", "size_mini_medium_")
    ]  # fmt: skip
    assert list(p.size_stages) == ["original", "sft-e10", "grpo-recipe"]
    files = p.size_files("metrics.csv")
    assert len(files) == 3 * 3 * 2  # sizes x stages x held-out sets
    assert files[0] == ("1.5B", "results/mini-small/eval/original/aime24-mini/metrics.csv")
    assert files[-1] == ("14B", "results/mini/eval/grpo-recipe/aime25-mini/metrics.csv")


@pytest.mark.parametrize(
    "sizes, message",
    [
        ([{"stands_for": "1.5B", "preset": "mini-small"}], "config key sizes: exactly one entry must be this run"),
        ([{"stands_for": "a", "preset": "smoke"}, {"stands_for": "b", "preset": "smoke"}, {"stands_for": "c"}],
         "config key sizes: each size's preset must be another run"),
        ([{"stands_for": "a", "preset": "no-such"}, {"stands_for": "b"}],
         "config key sizes[0].preset: no preset 'no-such' in"),
        ([{"stands_for": "a", "preset": "released"}, {"stands_for": "b"}],
         "config key sizes[0].preset: 'released': config key eval.benchmarks: 'aime24' is not in the benchmarks"),
    ],
)  # fmt: skip
def test_a_bad_sizes_list_stops_with_one_line_naming_the_key(sizes, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        plan(DEFAULT, {"sizes": sizes})
