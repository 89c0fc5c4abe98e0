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

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
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
        return f"config key {where}: unknown key {', '.join(map(repr, unknown))} (expected one of: {', '.join(allowed)})"
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
    """Merge YAML files left to right (later keys win, recursively), as Snakemake does with --configfile."""
    merged: dict = {}
    for path in paths:
        merge(merged, yaml.safe_load(Path(path).read_text()) or {})
    return validate_config(merged)


def merge(base: dict, override: dict) -> dict:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base
