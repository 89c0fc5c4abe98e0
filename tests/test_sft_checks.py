"""Checks that matter for real checkpoints, on a real pretrained chat model (SmolLM2-135M-Instruct, whose pad token
is its EOS, as DeepSeek-R1-Distill's is; .ci/paper-cpu-setup converts it to .cache/smollm2-135m-instruct):

- the EOS is trained: after the project's SFT the model ends its answers before the budget, and a collator that
  masks the EOS label (labels masked wherever the input is the pad token, the classic bug when pad == eos) makes it
  run on to the budget instead;
- the chat template used at evaluation is the one saved with the model being evaluated;
- a template that pre-fills `<think>` in the generation prompt (as DeepSeek-R1-Distill's does) still gives the
  format reward and the grader the whole reasoning, and GRPO and evaluation count its tokens alike;
- bf16 trains on this CPU.
"""

from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from conftest import require
from transformers import AutoTokenizer

from fastmath_r1.data import prompt_messages
from fastmath_r1.evaluate import generate_completions, prompt_token_ids
from fastmath_r1.generation import Sampling, TransformersBackend
from fastmath_r1.grading import parse_answer
from fastmath_r1.rewards import completion_text, format_reward
from fastmath_r1.sft import sft_config, train_sft

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / ".cache" / "smollm2-135m-instruct"
PAPER = yaml.safe_load((ROOT / "config" / "presets" / "paper.yaml").read_text())
AUTHORS_TEMPLATE = PAPER["sft"]["chat_template"]
PROMPTS = {"system": "Please reason step by step, and put your final answer within \\boxed{}.", "user": "{problem}"}
PAIRS = [(2, 3), (4, 1), (6, 2), (3, 3), (5, 4), (7, 1), (1, 8), (2, 6)]
SFT_SET = pd.DataFrame(
    {
        "problem": [f"What is {a}+{b}?" for a, b in PAIRS],
        "generation": [f"<think>\n{a}+{b}={a + b}\n</think>\n\\boxed{{{a + b}}}" for a, b in PAIRS],
    }
)
TRAINER = {"learning_rate": 1e-4, "lr_scheduler_type": "constant", "warmup_steps": 0, "per_device_train_batch_size": 4,
           "gradient_accumulation_steps": 1, "max_length": 128, "packing": False, "gradient_checkpointing": False,
           "bf16": False, "optim": "adamw_torch", "seed": 2025, "save_strategy": "no"}  # fmt: skip
BUDGET = 48
SAMPLING = Sampling(n=2, max_tokens=BUDGET, temperature=1.0, top_p=0.9, min_p=0.05, seed=0, stop_at_think_end=False)
# R1-Distill's generation prompt opens the reasoning: the model writes from inside <think>.
PREFILLED = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n<think>\\n' }}{% endif %}"
)


@pytest.fixture(scope="module")
def smollm2() -> Path:
    require([MODEL / "model.safetensors"], "bash .ci/paper-cpu-setup converts it")
    torch.set_num_threads(2)
    return MODEL


def sft(model: Path, out: Path, epochs: float = 6, **trainer) -> Path:
    train_sft(str(model), write_set(out.parent), PROMPTS, {**TRAINER, **trainer}, epochs, AUTHORS_TEMPLATE, None, out,
              out.parent / f"{out.name}-checkpoints", out.parent / f"{out.name}.csv")  # fmt: skip
    return out


def write_set(folder: Path) -> Path:
    path = folder / "sft.parquet"
    SFT_SET.to_parquet(path, index=False)
    return path


def stop_rate(model_dir: Path) -> float:
    """The share of samples on the training prompts that end with the EOS before the budget."""
    backend = TransformersBackend(str(model_dir), batch_size=16, device="cpu")
    ids = prompt_token_ids(backend.tokenizer, SFT_SET["problem"].tolist(), PROMPTS["system"], PROMPTS["user"])
    frame = generate_completions(backend, ids, SFT_SET.assign(problem_id=range(len(SFT_SET))), SAMPLING)
    eos = backend.tokenizer.eos_token_id
    return sum(ids[-1] == eos and len(ids) < BUDGET for ids in frame["token_ids"]) / len(frame)


def mask_eos_labels(monkeypatch):
    """Make TRL's collator mask every label whose input is the pad token: with pad == eos, the EOS too."""
    from trl.trainer import sft_trainer

    collate = sft_trainer.DataCollatorForLanguageModeling.torch_call

    def masked(self, examples):
        out = collate(self, examples)
        out["labels"][out["input_ids"] == self.pad_token_id] = -100
        return out

    monkeypatch.setattr(sft_trainer.DataCollatorForLanguageModeling, "torch_call", masked)


@pytest.fixture(scope="module")
def trained(smollm2, tmp_path_factory) -> Path:
    return sft(smollm2, tmp_path_factory.mktemp("sft") / "model")


def test_smollm2_has_pad_equal_to_eos(smollm2):
    tokenizer = AutoTokenizer.from_pretrained(smollm2)
    assert tokenizer.pad_token_id == tokenizer.eos_token_id == tokenizer.convert_tokens_to_ids("<|im_end|>")


def test_after_sft_the_model_ends_its_answers_before_the_budget(trained):
    assert stop_rate(trained) >= 0.9


def test_with_the_eos_label_masked_the_model_runs_on_to_the_budget(smollm2, tmp_path, monkeypatch):
    """What the test above catches: the same SFT with the EOS label masked."""
    mask_eos_labels(monkeypatch)
    assert stop_rate(sft(smollm2, tmp_path / "masked")) <= 0.25


def test_evaluation_uses_the_chat_template_saved_with_the_model(smollm2, trained):
    evaluated = TransformersBackend(str(trained), batch_size=4, device="cpu").tokenizer
    assert evaluated.chat_template == AUTHORS_TEMPLATE != AutoTokenizer.from_pretrained(smollm2).chat_template
    ids = prompt_token_ids(evaluated, ["What is 2+3?"], PROMPTS["system"], PROMPTS["user"])[0]
    assert evaluated.decode(ids).endswith("<|user|>\nWhat is 2+3?<|im_end|><|assistant|>\n")


def test_a_prefilled_think_still_gives_the_whole_reasoning_to_rewards_and_grader(smollm2, tmp_path):
    """GRPO (TRL's GRPOTrainer, one step) and evaluation on a template whose generation prompt ends in `<think>`:
    the rewards get the decoded completion whole (the reasoning, `</think>`, the answer), count its tokens as
    evaluation counts them (generated tokens only), and the format reward and the grader read it."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(smollm2)
    tokenizer.chat_template = PREFILLED
    seen = []

    def record(completions, completion_ids, **kwargs):
        seen.extend(zip(completions, completion_ids))
        return [0.0] * len(completions)

    prompts = [prompt_messages("What is 2+3?", PROMPTS["system"], PROMPTS["user"])] * 2
    args = GRPOConfig(output_dir=str(tmp_path), use_cpu=True, bf16=False, report_to="none", max_steps=1,
                      per_device_train_batch_size=4, num_generations=4, max_completion_length=24, beta=0.0,
                      logging_steps=1, save_strategy="no")  # fmt: skip
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(smollm2), reward_funcs=[record], args=args,
        train_dataset=Dataset.from_dict({"prompt": prompts}), processing_class=tokenizer,
    )  # fmt: skip
    trainer.train()
    assert seen
    for completion, ids in seen:
        text = completion_text(completion)
        assert text == tokenizer.decode(ids, skip_special_tokens=True)  # the reasoning whole, nothing split off
        assert not text.startswith("<think>")  # it was in the prompt
    # Evaluation prompts end in the same `<think>`, and count the generated tokens only, as GRPO's completion_ids.
    ids = prompt_token_ids(tokenizer, ["What is 2+3?"], PROMPTS["system"], PROMPTS["user"])[0]
    assert tokenizer.decode(ids).endswith("<|im_start|>assistant\n<think>\n")
    answer = "2+3 is 5, so \\boxed{5}\n</think>\nThe answer is \\boxed{5}."  # no <think>: it was in the prompt
    completion = [{"role": "assistant", "content": answer}]
    assert format_reward([completion]) == [1.0] and parse_answer(answer) == "5"
    # A parser that splits the reasoning off (TRL's parse_response with a response schema) loses none of it.
    split = [{"role": "assistant", "reasoning_content": "2+3 is 5, so \\boxed{5}", "content": "The answer is 5."}]
    assert format_reward([split]) == [1.0] and parse_answer(completion_text(split)) == "5"


def test_bf16_trains_on_this_cpu(smollm2, tmp_path):
    """bf16 on a CPU without CUDA: the trainer keeps it on (no refusal, no silent fallback) and trains."""
    assert sft_config({**TRAINER, "bf16": True}, 1, tmp_path / "args").bf16 is True
    sft(smollm2, tmp_path / "bf16", epochs=1, bf16=True)
    curve = pd.read_csv(tmp_path / "bf16.csv")
    assert len(curve) == 2 and curve["loss"].between(0, 100).all()
