"""fastmath_r1.packing: what TRL's packing strategies do to a stage-1 set, counted with TRL's own packer on
the lengths SFTTrainer tokenizes."""

import pandas as pd
import pytest
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

from fastmath_r1.data import to_prompt_completion
from fastmath_r1.model import init_model
from fastmath_r1.packing import example_lengths, packing_markdown, packing_table
from fastmath_r1.tokenizer import train_tokenizer

PROMPTS = {"system": "Reason step by step.", "user": "Solve: {problem}"}


def test_bfd_truncates_long_examples_and_wrapped_loses_nothing():
    # Lengths 5, 3, 8, 2 at max_length 4: bfd truncates 5 and 8 (1 + 4 tokens lost); wrapped cuts the 18
    # tokens into ceil(18 / 4) = 5 chunks and loses none.
    table = packing_table([5, 3, 8, 2], max_length=4, sequences_per_step=2).set_index("strategy")
    assert table.loc["bfd", "examples_truncated"] == 2 and table.loc["bfd", "tokens_lost"] == 5
    assert table.loc["wrapped", "examples_truncated"] == 0 and table.loc["wrapped", "tokens_lost"] == 0
    assert table.loc["wrapped", "packed_sequences"] == 5 and table.loc["wrapped", "steps_per_epoch"] == 3
    assert table.loc["bfd_split", "tokens_lost"] == 0
    # bfd packs the whole examples 4, 4, 3, 2 (largest first) into bins of 4: the 2 does not fit beside the 3.
    assert table.loc["bfd", "packed_sequences"] == 4 and table.loc["bfd", "steps_per_epoch"] == 2
    md = packing_markdown(table.reset_index(), "wrapped", 2)
    assert "this preset packs with `wrapped`" in md and "| bfd " in md


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    problems = ["a=1. Find a.", "b=2. c=b+1. Find c."]
    sft_set = pd.DataFrame(
        {"problem": problems, "generation": ["<think>a=1</think> \\boxed{1}", "<think>c=3</think> \\boxed{3}"]}
    )
    texts = [*PROMPTS.values(), *sft_set["problem"], *sft_set["generation"]] * 10
    arch = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
            "num_key_value_heads": 1, "max_position_embeddings": 128, "attn_implementation": "eager"}  # fmt: skip
    out = tmp_path_factory.mktemp("tiny")
    init_model(train_tokenizer(texts, 300), arch, seed=0, out_dir=out)
    return sft_set, out


def test_example_lengths_are_the_lengths_sft_trainer_trains_on(tiny, tmp_path):
    sft_set, model_dir = tiny
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir),
        args=SFTConfig(output_dir=str(tmp_path), use_cpu=True, bf16=False, report_to="none", max_length=512),
        train_dataset=Dataset.from_pandas(to_prompt_completion(sft_set, PROMPTS["system"], PROMPTS["user"])),
        processing_class=tokenizer,
    )
    assert example_lengths(sft_set, tokenizer, PROMPTS) == [len(ids) for ids in trainer.train_dataset["input_ids"]]
