"""What SFT and GRPO share (fastmath_r1.training): the precision the model is loaded in for training."""

import pytest
import torch
from conftest import TINY_ARCH
from transformers import AutoModelForCausalLM

from fastmath_r1.model import init_model
from fastmath_r1.tokenizer import train_tokenizer
from fastmath_r1.training import load_for_training


@pytest.fixture(scope="module")
def bf16_checkpoint(tmp_path_factory):
    """A checkpoint saved in bfloat16, as SmolLM2's and R1-Distill's are."""
    out = tmp_path_factory.mktemp("bf16")
    init_model(train_tokenizer(["1+1=2", "2+2=4"] * 20, 300), TINY_ARCH, seed=0, out_dir=out)
    AutoModelForCausalLM.from_pretrained(out).to(torch.bfloat16).save_pretrained(out)
    assert AutoModelForCausalLM.from_pretrained(out).dtype == torch.bfloat16  # transformers' own default: "auto"
    return out


@pytest.mark.parametrize("bf16, dtype", [(False, torch.float32), (True, torch.bfloat16)])
def test_a_bf16_checkpoint_trains_in_the_precision_the_config_sets(bf16_checkpoint, bf16, dtype):
    model = load_for_training(str(bf16_checkpoint), bf16)
    assert {p.dtype for p in model.parameters()} == {dtype}
