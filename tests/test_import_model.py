"""Your own model (`original: {source: path, path: ...}`): checked as a download is, linked into the run,
pickle weights refused; the workflow plans it in place of the trained or downloaded original."""

import shutil

import pytest
import yaml
from test_workflow import snakemake
from transformers import AutoModelForCausalLM, AutoTokenizer

from fastmath_r1 import cli
from fastmath_r1.errors import InputError
from fastmath_r1.hub import import_model
from fastmath_r1.model import init_model
from fastmath_r1.tokenizer import train_tokenizer

ARCH = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
        "num_key_value_heads": 1, "max_position_embeddings": 64, "attn_implementation": "eager"}  # fmt: skip


@pytest.fixture(scope="module")
def own_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("own") / "my-model"
    init_model(train_tokenizer(["a=1. b=a+2. Find b. \\boxed{3}"] * 20, 300), ARCH, seed=0, out_dir=out)
    (out / "README.md").write_text("my model")
    return out


def test_a_model_directory_is_linked_in_and_loads(own_model, tmp_path):
    out = import_model(own_model, tmp_path / "models" / "original")
    assert {p.name for p in out.iterdir()} >= {"config.json", "model.safetensors", "tokenizer.json"}
    assert not (out / "README.md").exists()
    assert (out / "model.safetensors").stat().st_ino == (own_model / "model.safetensors").stat().st_ino  # a link
    AutoModelForCausalLM.from_pretrained(out, use_safetensors=True)
    AutoTokenizer.from_pretrained(out)


def test_pickle_weights_beside_safetensors_are_left_out(own_model, tmp_path):
    source = tmp_path / "both"
    shutil.copytree(own_model, source)
    (source / "pytorch_model.bin").write_bytes(b"pickle")
    out = import_model(source, tmp_path / "out")
    assert not (out / "pytorch_model.bin").exists() and (out / "model.safetensors").exists()


def test_pickle_weights_only_are_refused_naming_them(own_model, tmp_path):
    source = tmp_path / "pickled"
    shutil.copytree(own_model, source)
    (source / "model.safetensors").rename(source / "pytorch_model.bin")
    with pytest.raises(InputError, match=r"lacks a weights file \(\*\.safetensors\) \(it has pickle weights, "
                                         r"pytorch_model\.bin: save them as safetensors\)"):  # fmt: skip
        import_model(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_directory_without_tokenizer_or_that_does_not_exist_is_refused_in_one_line(own_model, tmp_path, capsys):
    source = tmp_path / "untokenized"
    shutil.copytree(own_model, source)
    (source / "tokenizer.json").unlink()
    with pytest.raises(SystemExit) as stopped:
        cli.main(["import-model", "--path", str(source), "--out", str(tmp_path / "out")])
    assert str(stopped.value) == (
        f"fastmath-r1 import-model: original.path {source}: lacks a tokenizer file "
        "(tokenizer.json or tokenizer.model or vocab.json)"
    )
    with pytest.raises(InputError, match="no such model directory"):
        import_model(tmp_path / "nowhere", tmp_path / "out2")


def test_the_workflow_plans_your_model_as_the_original(own_model, tmp_path):
    preset = tmp_path / "own.yaml"
    preset.write_text(yaml.safe_dump({"original": {"source": "path", "path": str(own_model)}}))
    result = snakemake(tmp_path / "run", "-n", "-p", "reproduce", "--configfile", str(preset))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "rule import_model:" in result.stdout and "rule init_model:" not in result.stdout
    assert f"import-model --path {own_model}" in result.stdout
