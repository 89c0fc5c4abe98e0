"""Generation backends, budget truncation, tokenizer round trips and the evaluation scoring path."""

import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest
import torch
from conftest import TINY_ARCH, TINY_WORLD
from transformers import AutoModelForCausalLM, AutoTokenizer

from fastmath_r1.errors import InputError
from fastmath_r1.evaluate import (
    Protocol,
    evaluate_model,
    generate_completions,
    prompt_token_ids,
    sampling_from_config,
    score,
)
from fastmath_r1.generation import (
    THINK_END,
    Completion,
    Sampling,
    TransformersBackend,
    make_backend,
    requests,
    truncate,
    vllm_sampling_kwargs,
)
from fastmath_r1.model import init_model
from fastmath_r1.tokenizer import train_tokenizer
from fastmath_r1.world import world_rows

PROMPTS = {"system": "Please reason step by step.", "user": "Solve: {problem}"}


@pytest.fixture(scope="module")
def rows():
    return world_rows("t", 0, 12, [2, 3], **TINY_WORLD)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, rows):
    texts = (
        [PROMPTS["system"], PROMPTS["user"]]
        + [r["problem"] for r in rows]
        + [g for r in rows for g in r["generations"]]
    )
    out = tmp_path_factory.mktemp("model")
    init_model(train_tokenizer(texts, 320), TINY_ARCH, seed=0, out_dir=out)
    return str(out)


@pytest.fixture(scope="module")
def backend(model_dir):
    return TransformersBackend(model_dir, batch_size=5)


@pytest.fixture(scope="module")
def benchmark(rows):
    return pd.DataFrame(rows)[["problem_id", "problem", "answer"]]


def sampling(max_tokens, n=3, stop=False):
    return Sampling(n=n, max_tokens=max_tokens, temperature=1.0, top_p=0.9, min_p=0.05, seed=7, stop_at_think_end=stop)


def test_model_and_tokenizer_load_like_a_hub_checkpoint(model_dir, rows):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    assert model.config.model_type == "qwen2"
    assert model.config.vocab_size == len(tokenizer)
    trace = rows[0]["generations"][0]
    ids = tokenizer(trace, add_special_tokens=False)["input_ids"]
    # <think> and </think> survive a decode that skips special tokens (generation decodes that way).
    assert tokenizer.decode(ids, skip_special_tokens=True) == trace
    assert len(tokenizer.tokenize("</think>")) == 1
    assert tokenizer.decode(tokenizer("a=12.")["input_ids"]) == "a=12."


def test_chat_template_is_the_authors_sft_template(model_dir):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert text == "<|system|>\nS<|end|><|user|>\nU<|end|><|assistant|>\n"


def test_smaller_budget_equals_truncation_of_the_largest(backend, benchmark):
    prompts = prompt_token_ids(backend.tokenizer, benchmark["problem"].tolist(), PROMPTS["system"], PROMPTS["user"])
    full = backend.generate(prompts, sampling(40))
    assert any(c.finish_reason == "length" for c in full)
    for budget in (5, 17, 40):
        direct = backend.generate(prompts, sampling(budget))
        truncated = [truncate(c, budget, backend.tokenizer) for c in full]
        assert [(c.prompt_index, c.sample_index) for c in direct] == [
            (c.prompt_index, c.sample_index) for c in truncated
        ]
        assert [c.token_ids for c in direct] == [c.token_ids for c in truncated]
        assert [c.text for c in direct] == [c.text for c in truncated]
        assert [c.finish_reason for c in direct] == [c.finish_reason for c in truncated]
        assert all(c.n_tokens <= budget for c in direct)


def test_generation_is_reproducible_and_seeded(backend, benchmark):
    prompts = prompt_token_ids(backend.tokenizer, benchmark["problem"].tolist()[:4], PROMPTS["system"], PROMPTS["user"])
    first = backend.generate(prompts, sampling(12))
    again = backend.generate(prompts, sampling(12))
    assert [c.token_ids for c in first] == [c.token_ids for c in again]
    other = backend.generate(prompts, Sampling(3, 12, 1.0, 0.9, 0.05, seed=8, stop_at_think_end=False))
    assert [c.token_ids for c in first] != [c.token_ids for c in other]
    assert len(first) == 4 * 3 and {c.sample_index for c in first} == {0, 1, 2}


def test_slices_of_the_requests_draw_the_samples_of_one_call(backend, benchmark):
    prompts = prompt_token_ids(backend.tokenizer, benchmark["problem"].tolist()[:6], PROMPTS["system"], PROMPTS["user"])
    whole = backend.generate(prompts, sampling(12))  # 6 prompts x 3 samples in batches of 5
    sliced = [c for jobs in (range(0, 10), range(10, 15), range(15, 18)) for c in
              backend.generate(prompts, sampling(12), jobs)]  # fmt: skip
    assert [(c.prompt_index, c.sample_index, c.token_ids) for c in sliced] == [
        (c.prompt_index, c.sample_index, c.token_ids) for c in whole
    ]
    assert [(c.sample_index, c.prompt_index) for c in whole] == requests(6, 3)
    with pytest.raises(ValueError, match="requests from 7: not at a boundary of batches of 5"):
        backend.generate(prompts, sampling(12), range(7, 10))


def test_stop_at_think_end(model_dir, benchmark):
    """A model that has learned one trace stops right after `</think>` when asked to."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    prompt = prompt_token_ids(tokenizer, [benchmark["problem"][0]], PROMPTS["system"], PROMPTS["user"])[0]
    target = tokenizer("<think>\nb=1\n</think>\nAnswer: \\boxed{1}", add_special_tokens=False)["input_ids"] + [
        tokenizer.eos_token_id
    ]
    ids = torch.tensor([prompt + target])
    labels = ids.clone()
    labels[0, : len(prompt)] = -100
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    torch.manual_seed(0)
    for _ in range(300):
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    assert loss.item() < 0.01
    backend = TransformersBackend.__new__(TransformersBackend)
    backend.device, backend.tokenizer, backend.model, backend.batch_size = "cpu", tokenizer, model.eval(), 4
    low_temperature = Sampling(
        n=2, max_tokens=30, temperature=0.05, top_p=1.0, min_p=0.0, seed=0, stop_at_think_end=True
    )
    stopped = backend.generate([prompt], low_temperature)
    assert all(c.text.endswith(THINK_END) and c.finish_reason == "stop" for c in stopped), [
        (c.text, c.finish_reason) for c in stopped
    ]
    free = backend.generate([prompt], Sampling(2, 30, 0.05, 1.0, 0.0, 0, stop_at_think_end=False))
    assert all(c.text.endswith("\\boxed{1}") and c.finish_reason == "stop" for c in free)
    assert all(c.token_ids[-1] == tokenizer.eos_token_id for c in free)


def test_truncate_keeps_short_completions_and_cuts_long_ones(backend):
    ids = tuple(backend.tokenizer("<think>\nb=12\n</think>", add_special_tokens=False)["input_ids"])
    done = Completion(0, 0, "<think>\nb=12\n</think>", ids, "stop")
    assert truncate(done, len(ids), backend.tokenizer) is done
    cut = truncate(done, 2, backend.tokenizer)
    assert cut.token_ids == ids[:2] and cut.finish_reason == "length"
    assert cut.text == backend.tokenizer.decode(list(ids[:2]))


def test_score_grades_truncated_samples_per_budget(backend, benchmark):
    """Scoring at a budget grades the truncated text: an answer cut off by the budget is not counted."""
    tok = backend.tokenizer
    gold = benchmark.iloc[:2].reset_index(drop=True)
    texts = {
        (0, 0): f"<think>\nx\n</think>\nAnswer: \\boxed{{{gold.answer[0]}}}",
        (0, 1): "<think>\nx\n</think>\nAnswer: \\boxed{999}",
        (1, 0): f"<think>\n{'y' * 30}\n</think>\nAnswer: \\boxed{{{gold.answer[1]}}}",
        (1, 1): "<think>\n",
    }
    completions = []
    for (p, s), text in texts.items():
        ids = tuple(tok(text, add_special_tokens=False)["input_ids"])
        completions.append(Completion(p, s, text, ids, "stop"))
    frame = pd.DataFrame(
        {
            "problem_id": [gold.problem_id[c.prompt_index] for c in completions],
            "sample_index": [c.sample_index for c in completions],
            "text": [c.text for c in completions],
            "token_ids": [list(c.token_ids) for c in completions],
            "n_tokens": [c.n_tokens for c in completions],
            "finish_reason": [c.finish_reason for c in completions],
        }
    )
    short_budget = max(c.n_tokens for c in completions[:2])
    long_budget = max(c.n_tokens for c in completions)
    assert completions[2].n_tokens > short_budget
    metrics, grades = score(frame, gold, [short_budget, long_budget], tok, [2], n_resamples=50, seed=0)
    short, long = metrics.set_index("budget").loc[short_budget], metrics.set_index("budget").loc[long_budget]
    assert short["pass@1"] == pytest.approx(25.0) and long["pass@1"] == pytest.approx(50.0)
    assert long["pass@2"] == pytest.approx(100.0)
    expected_tokens = sum(min(c.n_tokens, short_budget) for c in completions) / 4
    assert short["tokens"] == pytest.approx(expected_tokens)
    assert set(grades["budget"]) == {short_budget, long_budget}


def test_generate_completions_schema(backend, benchmark):
    eval_config = {
        "samples": 2,
        "budgets": [8, 16],
        "temperature": 1.0,
        "top_p": 0.9,
        "min_p": 0.05,
        "seed": 3,
        "stop_at_think_end": False,
    }
    ids = prompt_token_ids(backend.tokenizer, benchmark["problem"].tolist(), PROMPTS["system"], PROMPTS["user"])
    frame = generate_completions(backend, ids, benchmark, sampling_from_config(eval_config))
    assert list(frame.columns) == ["problem_id", "sample_index", "text", "token_ids", "n_tokens", "finish_reason"]
    assert len(frame) == 2 * len(benchmark)
    assert frame["n_tokens"].max() <= 16
    assert (frame["n_tokens"] == frame["token_ids"].map(len)).all()
    assert set(frame["finish_reason"]) <= {"stop", "length"}


def test_vllm_sampling_params_carry_the_paper_settings():
    kwargs = vllm_sampling_kwargs(Sampling(64, 16000, 1.0, 0.9, 0.05, 5, stop_at_think_end=True))
    assert kwargs == {
        "n": 1,  # one request per sample
        "max_tokens": 16000,
        "temperature": 1.0,
        "top_p": 0.9,
        "min_p": 0.05,
        "stop": ["</think>"],
        "include_stop_str_in_output": True,
    }
    assert vllm_sampling_kwargs(Sampling(1, 10, 1.0, 1.0, 0.0, 0, False))["stop"] is None


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_vllm_backend_needs_vllm(model_dir):
    options = {"tensor_parallel_size": 1, "max_model_len": 256, "gpu_memory_utilization": 0.5,
               "kv_cache_memory_bytes": None, "dtype": "float32", "enforce_eager": True, "seed": 0}  # fmt: skip
    with pytest.raises(ImportError):
        make_backend("vllm", model_dir, options)


def test_unknown_backend_is_refused(model_dir):
    with pytest.raises(ValueError, match="unknown generation backend 'sglang'"):
        make_backend("sglang", model_dir, {})


@pytest.fixture(params=[False, True], ids=["cuda", "cpu"])
def fake_vllm(monkeypatch, model_dir, request):
    """vLLM's LLM and SamplingParams as the backend calls them, on a CUDA or a CPU platform: the engine
    answers each prompt's n samples with the transformers tokenizer's tokens, and records its arguments."""
    import sys
    import types

    calls = {}
    tokenizer = AutoTokenizer.from_pretrained(model_dir)

    class LLM:
        def __init__(self, **kwargs):
            calls["engine"] = kwargs

        def get_tokenizer(self):
            return tokenizer

        def generate(self, prompts, params, use_tqdm=True):
            calls["prompts"], calls["params"] = prompts, params
            sample = types.SimpleNamespace(
                text="<think>a</think> \\boxed{3}", token_ids=[5, 6, 7], finish_reason="stop"
            )
            cut = types.SimpleNamespace(text="<think>a", token_ids=[5, 6], finish_reason="length")
            return [types.SimpleNamespace(outputs=[[sample, cut][p.seed % 2]] * p.n) for p in params]

    class SamplingParams:
        def __init__(self, **kwargs):
            self.__dict__.update(kwargs)

    platform = types.SimpleNamespace(is_cpu=lambda: request.param)
    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(LLM=LLM, SamplingParams=SamplingParams))
    monkeypatch.setitem(sys.modules, "vllm.platforms", types.SimpleNamespace(current_platform=platform))
    calls["cpu"] = request.param
    monkeypatch.setenv("MKL_NUM_THREADS", "2")  # as Snakemake sets it for a job of 2 threads
    for name in ("VLLM_CPU_OMP_THREADS_BIND", "VLLM_CPU_NUM_OF_RESERVED_CPU", "VLLM_ENABLE_V1_MULTIPROCESSING"):
        # Set, then deleted: monkeypatch then removes what the backend sets here when the test ends. (A variable
        # left behind in this process would bind every later vLLM engine that pytest's children start.)
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)  # the CLI's --threads 1
    return calls


def test_vllm_backend_engine_and_output_schema(fake_vllm, model_dir, backend, benchmark):
    options = {"tensor_parallel_size": 4, "max_model_len": 33000, "gpu_memory_utilization": 0.9,
               "kv_cache_memory_bytes": None, "dtype": "bfloat16", "enforce_eager": False, "seed": 3}  # fmt: skip
    vllm_backend = make_backend("vllm", model_dir, options)
    chunking = {"enable_chunked_prefill": False} if fake_vllm["cpu"] else {}
    # The run's seed seeds the engine too; weights are read as safetensors only.
    assert fake_vllm["engine"] == {"model": model_dir, **options, "load_format": "safetensors", **chunking}
    # On the CPU the worker sizes its threads from the cores it is bound to, not from the job's thread count.
    assert os.environ.get("MKL_NUM_THREADS") == (None if fake_vllm["cpu"] else "2")
    # ... and on as many cores as the job's threads, none of them kept back for the idle scheduler process.
    first_core = str(min(os.sched_getaffinity(0)))
    bind = (first_core, "0") if fake_vllm["cpu"] else (None, None)
    assert (os.environ.get("VLLM_CPU_OMP_THREADS_BIND"), os.environ.get("VLLM_CPU_NUM_OF_RESERVED_CPU")) == bind
    # ... with the engine in the job's own process on the CPU (it starts in seconds, not in half a minute).
    assert os.environ.get("VLLM_ENABLE_V1_MULTIPROCESSING") == ("0" if fake_vllm["cpu"] else None)
    eval_config = {
        "samples": 2,
        "budgets": [8, 16],
        "temperature": 1.0,
        "top_p": 0.9,
        "min_p": 0.05,
        "seed": 3,
        "stop_at_think_end": True,
    }
    ids = prompt_token_ids(vllm_backend.tokenizer, benchmark["problem"].tolist(), PROMPTS["system"], PROMPTS["user"])
    frame = generate_completions(vllm_backend, ids, benchmark, sampling_from_config(eval_config))
    params = fake_vllm["params"]
    # One request per sample, sample by sample, each seeded with the run's seed plus the request's index.
    assert [(p.n, p.max_tokens, p.stop, p.seed) for p in params] == [
        (1, 16, ["</think>"], 3 + i) for i in range(2 * len(benchmark))
    ]
    # The paper's prompt through the model's chat template: the same token ids the transformers backend gets.
    assert [p["prompt_token_ids"] for p in fake_vllm["prompts"]] == 2 * prompt_token_ids(
        backend.tokenizer, benchmark["problem"].tolist(), PROMPTS["system"], PROMPTS["user"]
    )
    reference = generate_completions(backend, ids, benchmark, sampling_from_config(eval_config))
    assert list(frame.columns) == list(reference.columns)
    assert frame.dtypes.equals(reference.dtypes)
    # Problem p's sample s is request s x problems + p, with seed 3 plus that (the fake stops on even seeds).
    reasons = ["length" if (3 + s * len(benchmark) + p) % 2 else "stop" for p in range(len(benchmark)) for s in (0, 1)]
    assert frame["finish_reason"].tolist() == reasons


def evaluation_config(**overrides) -> dict:
    return {"backend": "transformers", "batch_size": 5, "shard_size": 10, "dtype": "float32", "samples": 2,
            "budgets": [8, 16], "temperature": 1.0, "top_p": 0.9, "min_p": 0.05, "stop_at_think_end": False,
            "seed": 3, "pass_k": [2], "bootstrap_resamples": 20} | overrides  # fmt: skip


def test_two_protocols_share_each_round_of_draws_and_give_what_each_gives_alone(model_dir, benchmark, tmp_path,
                                                                                 monkeypatch):  # fmt: skip
    table = tmp_path / "set.parquet"
    benchmark.to_parquet(table, index=False)
    paper = evaluation_config()  # 12 problems x 2 samples: 3 shards
    other = evaluation_config(samples=1, budgets=[12], stop_at_think_end=True, pass_k=[1])  # 12 x 1: 2 shards
    rounds = []
    draw_all = TransformersBackend.generate_all
    monkeypatch.setattr(TransformersBackend, "generate_all",
                        lambda self, draws: rounds.append(len(draws)) or draw_all(self, draws))  # fmt: skip

    def run(protocols):
        return {folder.relative_to(tmp_path): frames for folder, *frames in evaluate_model(model_dir, "m", protocols)}

    together = run(
        [
            Protocol(tmp_path / "both" / "eval", {"s": table}, PROMPTS, paper),
            Protocol(tmp_path / "both" / "aimo", {"s": table}, {"system": "", "user": "{problem}"}, other),
        ]
    )
    assert rounds == [2, 2, 1]  # one call per round: the next shard of each protocol's benchmark
    alone = run([Protocol(tmp_path / "one" / "eval", {"s": table}, PROMPTS, paper)])
    alone |= run([Protocol(tmp_path / "one" / "aimo", {"s": table}, {"system": "", "user": "{problem}"}, other)])
    assert sorted(together) == [Path("both/aimo/s"), Path("both/eval/s")]
    for folder, frames in together.items():
        for got, expected in zip(frames, alone[Path("one", *folder.parts[1:])]):
            pd.testing.assert_frame_equal(got, expected)


def test_protocols_that_would_need_two_engines_are_refused(model_dir, benchmark, tmp_path):
    table = tmp_path / "set.parquet"
    benchmark.to_parquet(table, index=False)
    protocols = [Protocol(tmp_path / p, {"s": table}, PROMPTS, evaluation_config(dtype=d))
                 for p, d in [("a", "float32"), ("b", "bfloat16")]]  # fmt: skip
    with pytest.raises(InputError, match="eval.dtype differs between the protocols of one evaluation"):
        next(evaluate_model(model_dir, "m", protocols))
