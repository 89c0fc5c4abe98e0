"""Config validation against the workflow's JSON schema, with the schema's defaults filled in.

The Snakefile calls `validate_config` before any job is planned: an unknown key or a wrong type stops
the run with one line naming the key and what was expected.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

from fastmath_r1.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = ROOT / "config" / "config.yaml"
PRESETS = ROOT / "config" / "presets"


class ConfigError(InputError):
    pass


def _with_defaults(validator_class):
    check_properties = validator_class.VALIDATORS["properties"]

    def fill_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema:
                    instance.setdefault(name, copy.deepcopy(subschema["default"]))
        yield from check_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": fill_defaults})


DefaultFillingValidator = _with_defaults(Draft202012Validator)


def _describe(error) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        return (
            f"config key {where}: unknown key {', '.join(map(repr, unknown))} (expected one of: {', '.join(allowed)})"
        )
    if error.validator == "type":
        return f"config key {where}: expected {error.validator_value}, got {error.instance!r}"
    return f"config key {where}: {error.message}"


def validate_config(config: dict, schema_path: Path = SCHEMA_PATH) -> dict:
    """Validate `config` in place (filling defaults) and return it; raise ConfigError on the first fault."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    error = best_match(DefaultFillingValidator(schema).iter_errors(config))
    if error is not None:
        raise ConfigError(_describe(error))
    return config


def load_config(*paths: str | Path) -> dict:
    """The config Snakemake runs with for `--configfile paths...` (each file merged over the ones before
    it, later keys winning, recursively): see `resolve`."""
    overrides: dict = {}
    for path in paths:
        merge(overrides, yaml.safe_load(Path(path).read_text()) or {})
    return resolve(overrides)


def resolve(overrides: dict) -> dict:
    """The default config, then the preset chain named by `extends`, then `overrides` (what Snakemake's
    --configfile and --config give), validated, with the schema's defaults filled. The Snakefile and
    `load_config` both come through here."""
    return validate_config(resolve_extends(overrides))


def resolve_extends(overrides: dict, default: Path = DEFAULT_CONFIG, presets: Path = PRESETS) -> dict:
    """The default config, then the preset named by `extends` (itself resolved the same way), then
    `overrides`: a preset can be a small change of another one (paper-7b of paper) rather than a copy."""
    chain, seen = [], set()
    layer = overrides
    while "extends" in layer:
        name = layer["extends"]
        if name in seen:
            raise ConfigError(f"config key extends: presets extend each other in a loop ({' -> '.join([*seen, name])})")
        seen.add(name)
        layer = read_preset(name, "extends", presets)
        chain.append(layer)
    config = yaml.safe_load(Path(default).read_text())
    for layer in [*reversed(chain), overrides]:
        merge(config, {k: v for k, v in layer.items() if k != "extends"})
    return config


def read_preset(name: str, key: str, presets: Path = PRESETS) -> dict:
    """The keys config/presets/<name>.yaml sets itself (its `extends` chain not applied); `key` is the config key
    that names it, for the error."""
    path = presets / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in presets.glob("*.yaml")))
        raise ConfigError(f"config key {key}: no preset {name!r} in {presets} (known: {known})")
    return yaml.safe_load(path.read_text()) or {}


def merge(base: dict, override: dict) -> dict:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


# Every key that seeds a run: the world and the held-out sets drawn from it, the model's initialisation, the data
# order of each training stage, sampling. A seed run moves them all (`seed_config`).
SEED_KEYS = [
    ("world", "seed"),
    ("original", "init_seed"),
    ("original", "trainer", "seed"),
    ("sft", "trainer", "seed"),
    ("grpo", "trainer", "seed"),
    ("eval", "seed"),
    ("data", "seed"),
]
SEED_STRIDE = 1000  # world.seed's sets take seed, seed + 1, seed + 2: one stride keeps seed runs' draws apart


def seed_keys(config: dict) -> list[tuple[str, ...]]:
    """SEED_KEYS and the seed of every held-out set the world draws."""
    drawn = [name for name, spec in config["benchmarks"].items() if spec["source"] == "world"]
    return SEED_KEYS + [("benchmarks", name, "seed") for name in drawn]


def seed_config(config: dict, seed: int) -> dict:
    """The resolved `config` of one run of `snakemake seeds`: seed 0 is the run itself; seed s is preset
    `<preset>-seed<s>` (its own results folder) with every seed key, and the seed of every held-out set the world
    draws, moved by SEED_STRIDE x s. A seed run plans no seed or size runs of its own."""
    if seed == 0:
        return config
    moved = copy.deepcopy(config)
    moved["preset"] = f"{config['preset']}-seed{seed}"
    moved["seeds"] = [0]
    moved["sizes"] = [this_size(config)]
    for *path, key in seed_keys(config):
        section = moved
        for part in path:
            section = section.get(part, {})
        if key in section:
            section[key] += SEED_STRIDE * seed
    return moved


def this_size(config: dict) -> dict:
    """The entry of config `sizes` that is this run (the one without a preset)."""
    return next(size for size in config["sizes"] if "preset" not in size)


def size_config(config: dict, index: int) -> dict:
    """The resolved config of size `index` of config `sizes` (one with a preset): this run's config with what the
    size's preset file sets itself merged over it (its model; results/<preset>), so that a change made to this
    run's recipe reaches every size. A size run plans no size or seed runs of its own."""
    size = config["sizes"][index]
    layer = read_preset(size["preset"], f"sizes[{index}].preset")
    sized = merge(copy.deepcopy(config), {k: v for k, v in layer.items() if k != "extends"})
    sized["sizes"] = [{"stands_for": size["stands_for"]}]
    sized["seeds"] = [0]
    return sized
