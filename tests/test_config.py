"""Tests for fastmath_r1.config: schema validation, defaults and one-line error messages."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from fastmath_r1.config import (
    SCHEMA_PATH,
    SEED_STRIDE,
    ConfigError,
    load_config,
    seed_config,
    seed_keys,
    size_config,
    this_size,
    validate_config,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "config" / "config.yaml"
SMOKE = ROOT / "config" / "presets" / "smoke.yaml"
RAW_DEFAULT = yaml.safe_load(DEFAULT.read_text())
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())


def raw() -> dict:
    """A fresh copy of the default config as written, defaults not yet filled."""
    return copy.deepcopy(RAW_DEFAULT)


def error_of(config: dict) -> str:
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message, repr(message)
    return message


# --- valid configs -----------------------------------------------------------------------------


def test_default_config_validates():
    config = load_config(DEFAULT)
    assert config["preset"] == "mini"
    assert config["world"]["levels"] == RAW_DEFAULT["world"]["levels"]


def test_default_plus_smoke_validates_and_merges_recursively():
    config = load_config(DEFAULT, SMOKE)
    smoke = yaml.safe_load(SMOKE.read_text())
    assert config["preset"] == "smoke"
    # Keys the preset sets win ...
    assert config["world"]["corpus_problems"] == smoke["world"]["corpus_problems"]
    assert config["original"]["architecture"]["hidden_size"] == smoke["original"]["architecture"]["hidden_size"]
    assert config["sft"]["epochs"] == smoke["sft"]["epochs"]
    assert config["eval"]["budgets"] == smoke["eval"]["budgets"]
    # ... while their siblings come from the default.
    assert config["world"]["levels"] == RAW_DEFAULT["world"]["levels"]
    assert config["world"]["max_value"] == RAW_DEFAULT["world"]["max_value"]
    assert config["sft"]["trainer"] == load_config(DEFAULT)["sft"]["trainer"]
    assert (
        config["original"]["architecture"]["attn_implementation"]
        == RAW_DEFAULT["original"]["architecture"]["attn_implementation"]
    )
    assert config["eval"]["benchmarks"] == RAW_DEFAULT["eval"]["benchmarks"]
    # Validating the merged config again changes nothing.
    assert validate_config(copy.deepcopy(config)) == config


def test_load_config_does_not_share_state_between_calls():
    first = load_config(DEFAULT)
    first["world"]["levels"].append(99)
    first["eval"]["pass_k"].append(99)
    second = load_config(DEFAULT)
    assert second["world"]["levels"] == RAW_DEFAULT["world"]["levels"]
    assert second["eval"]["pass_k"] == RAW_DEFAULT["eval"]["pass_k"]


def test_later_file_wins(tmp_path):
    override = tmp_path / "o.yaml"
    override.write_text(
        "preset: other\neval:\n  samples: 7\n  benchmarks: [extra]\nbenchmarks:\n  extra:\n"
        "    source: world\n    stands_for: X\n    seed: 1\n"
    )
    config = load_config(DEFAULT, override)
    assert config["preset"] == "other"
    assert config["eval"]["samples"] == 7
    # Dictionaries merge key by key; lists are replaced whole.
    assert set(config["benchmarks"]) == set(RAW_DEFAULT["benchmarks"]) | {"extra"}
    assert config["eval"]["benchmarks"] == ["extra"]


# --- defaults ----------------------------------------------------------------------------------


SELECTION_DEFAULTS = {"min_generation_length": 0, "length_unit": "chars", "min_accuracy": 0.5, "max_accuracy": 1.0}


def test_missing_selection_gets_schema_defaults():
    config = raw()
    del config["data"]["selection"]
    out = validate_config(config)
    assert out is config  # validated in place
    defaults = {k: v["default"] for k, v in SCHEMA["$defs"]["selection"]["properties"].items()}
    assert config["data"]["selection"] == defaults == SELECTION_DEFAULTS


def test_partial_selection_is_completed():
    config = raw()
    config["data"]["selection"] = {"min_accuracy": 0.6}
    validate_config(config)
    assert config["data"]["selection"] == {**SELECTION_DEFAULTS, "min_accuracy": 0.6}


def test_launch_defaults_to_one_process_on_the_cpu():
    config = raw()
    validate_config(config)
    for stage in ("sft", "grpo"):
        assert config[stage]["launch"] == {
            "gpus": 0,
            "accelerate_config": None,
            "cpu_processes": 0,
            "vllm_server_gpus": 0,
            "mem_mb": 8000,
            "runtime": 60,
        }


def test_eval_and_trainer_defaults_are_filled():
    config = raw()
    for key in ("temperature", "top_p", "backend", "pass_k", "seed"):
        config["eval"].pop(key, None)
    config["sft"]["trainer"].pop("gradient_accumulation_steps", None)
    config["original"]["architecture"].pop("attn_implementation", None)
    del config["threads"]
    validate_config(config)
    assert config["eval"]["temperature"] == 1.0
    assert config["eval"]["top_p"] == 0.9
    assert config["eval"]["backend"] == "transformers"
    assert config["eval"]["pass_k"] == []
    assert config["sft"]["trainer"]["gradient_accumulation_steps"] == 1
    assert config["original"]["architecture"]["attn_implementation"] == "eager"
    assert config["threads"] == 1
    assert config["world"]["seed"] == 0


def test_defaults_do_not_override_given_values():
    config = raw()
    config["eval"]["temperature"] = 0.6
    config["data"]["selection"]["max_accuracy"] = 0.75
    validate_config(config)
    assert config["eval"]["temperature"] == 0.6
    assert config["data"]["selection"]["max_accuracy"] == 0.75


def test_filled_list_defaults_are_not_shared():
    a, b = raw(), raw()
    del a["eval"]["pass_k"], b["eval"]["pass_k"]
    validate_config(a)
    validate_config(b)
    a["eval"]["pass_k"].append(4)
    assert b["eval"]["pass_k"] == []
    assert SCHEMA["properties"]["eval"]["properties"]["pass_k"]["default"] == []


# --- errors ------------------------------------------------------------------------------------


def test_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


def test_unknown_top_level_key():
    config = raw()
    config["sft_epochs"] = [1]
    message = error_of(config)
    assert "sft_epochs" in message
    assert "unknown key" in message
    assert "top level" in message


def test_unknown_nested_key_added_names_the_dotted_path():
    config = raw()
    config["sft"]["trainer"]["learnin_rate"] = 1e-3
    message = error_of(config)
    assert "sft.trainer" in message
    assert "learnin_rate" in message
    assert "learning_rate" in message  # the expected keys are listed


def test_misspelt_nested_key_reports_the_unknown_key_not_only_the_missing_one():
    config = raw()
    config["sft"]["trainer"]["learnin_rate"] = config["sft"]["trainer"].pop("learning_rate")
    message = error_of(config)
    assert "sft.trainer" in message
    assert "learnin_rate" in message


def test_unknown_key_in_a_named_benchmark():
    config = raw()
    name = next(iter(config["benchmarks"]))
    config["benchmarks"][name]["sed"] = 1
    message = error_of(config)
    assert f"benchmarks.{name}" in message
    assert "'sed'" in message


def test_unknown_key_in_a_preset_file_via_load_config(tmp_path):
    preset = tmp_path / "typo.yaml"
    preset.write_text("preset: typo\nworld:\n  max_valeu: 50\n")
    with pytest.raises(ConfigError) as info:
        load_config(DEFAULT, preset)
    message = str(info.value)
    assert "\n" not in message
    assert "world" in message and "max_valeu" in message


@pytest.mark.parametrize(
    ("section", "key", "value", "path", "expected_type"),
    [
        (("sft", "trainer"), "learning_rate", "abc", "sft.trainer.learning_rate", "number"),
        (("sft",), "epochs", "ten", "sft.epochs", "array"),
        (("sft", "trainer"), "per_device_train_batch_size", 1.5, "sft.trainer.per_device_train_batch_size", "integer"),
        (("world",), "levels", 3, "world.levels", "array"),
        (("eval",), "stop_at_think_end", "yes", "eval.stop_at_think_end", "boolean"),
        ((), "preset", 3, "preset", "string"),
    ],
)
def test_wrong_type_names_key_and_expected_type(section, key, value, path, expected_type):
    config = raw()
    target = config
    for part in section:
        target = target[part]
    target[key] = value
    message = error_of(config)
    assert path in message
    assert expected_type in message
    assert repr(value) in message


def test_wrong_type_inside_a_list_names_the_index():
    config = raw()
    config["sft"]["epochs"] = [1, "ten"]
    message = error_of(config)
    assert "sft.epochs.1" in message and "integer" in message


def test_out_of_range_value_names_the_key():
    config = raw()
    config["eval"]["temperature"] = 0
    message = error_of(config)
    assert "eval.temperature" in message


@pytest.mark.parametrize(
    ("section", "key", "where"),
    [
        (("world",), "max_value", "world"),
        ((), "tokenizer", "top level"),
        (("sft", "trainer"), "max_length", "sft.trainer"),
    ],
)
def test_missing_required_key_is_reported(section, key, where):
    config = raw()
    target = config
    for part in section:
        target = target[part]
    del target[key]
    message = error_of(config)
    assert key in message
    assert where in message
    assert "required" in message


def test_default_config_sets_every_section_without_a_default():
    """Every top-level section of the schema is either in the default config or has a default."""
    top = SCHEMA["properties"]
    missing = [k for k in top if k not in RAW_DEFAULT and "default" not in top[k]]
    assert missing == ["released"]  # only mode: released needs it, and the schema requires it then


def _at(config: dict, path: tuple[str, ...]):
    for part in path:
        config = config[part]
    return config


def test_a_seed_run_moves_every_seed_key_and_nothing_else():
    config = load_config(ROOT / "config" / "config.yaml")
    moved = seed_config(config, 2)
    assert moved["preset"] == "mini-seed2" and moved["seeds"] == [0]
    keys = seed_keys(config)
    assert ("benchmarks", "aime24-mini", "seed") in keys and ("world", "seed") in keys and len(keys) == 9
    for path in keys:
        assert _at(moved, path) == _at(config, path) + 2 * SEED_STRIDE, path
    # Everything else is the run's own config.
    for path in keys:
        parent = _at(moved, path[:-1])
        parent[path[-1]] = _at(config, path)
    assert moved["sizes"] == [{"stands_for": "14B"}]  # a seed run plans no size runs
    assert {**moved, "preset": config["preset"], "seeds": config["seeds"], "sizes": config["sizes"]} == config
    # The original config is untouched, and seed 0 is the run itself.
    assert config["preset"] == "mini" and seed_config(config, 0) is config
    validate_config(seed_config(config, 1))


def test_seed_stride_keeps_the_world_sets_of_seed_runs_apart():
    """write_world draws its sets from world.seed, + 1 and + 2; seed runs must not draw each other's sets."""
    config = load_config(ROOT / "config" / "config.yaml")
    seeds = [seed_config(config, s)["world"]["seed"] + k for s in (0, 1, 2) for k in range(3)]
    assert len(set(seeds)) == len(seeds)


def test_a_size_run_is_its_own_preset_planning_no_size_or_seed_runs():
    config = load_config(ROOT / "config" / "config.yaml")
    small = config["sizes"][0]
    sized = size_config(config, 0)
    assert sized["preset"] == small["preset"] == "mini-small"
    assert sized["sizes"] == [{"stands_for": small["stands_for"]}] and sized["seeds"] == [0]
    own = load_config(ROOT / "config" / "presets" / "mini-small.yaml")
    assert {**sized, "sizes": own["sizes"], "seeds": own["seeds"]} == own
    # Only the original model's architecture differs from this run's.
    assert sized["original"]["architecture"] != config["original"]["architecture"]
    assert {**sized["original"], "architecture": None} == {**config["original"], "architecture": None}
    assert this_size(config) == {"stands_for": "14B"}
    # A change to this run's recipe reaches the size; the size's own model stays.
    changed = size_config({**config, "sft": {**config["sft"], "epochs": [1, 3, 10]}}, 0)
    assert changed["sft"]["epochs"] == [1, 3, 10] and changed["original"] == sized["original"]
