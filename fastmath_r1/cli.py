"""Command-line entry points: one subcommand per workflow step. Snakemake rules only call these.

Structured options (a trainer section, a prompt pair) arrive as JSON strings taken from the validated
config, so a rule reruns when the part of the config it uses changes, and no step reads the config
file itself.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

log = logging.getLogger("fastmath_r1")


def _json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not valid JSON ({e}): {text[:80]!r}") from e


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def cmd_world(a: argparse.Namespace) -> None:
    from fastmath_r1.world import write_world

    write_world(a.spec, a.benchmarks, a.out_dir)


def cmd_build_set(a: argparse.Namespace) -> None:
    from fastmath_r1.data import write_training_set

    table = write_training_set(a.pool, a.selection, a.keep, a.out)
    log.info("%s: %d rows (%s) from %s", a.out, len(table), a.keep, a.pool)


def cmd_data_card(a: argparse.Namespace) -> None:
    from fastmath_r1.data import data_card, read_table

    tables = {}
    for item in a.table:
        name, _, path = item.partition("=")
        if not path:
            raise SystemExit(f"--table expects NAME=PATH, got {item!r}")
        tables[name] = read_table(path)
    a.out.write_text("# Data card\n\n" + data_card(tables))


def cmd_init_model(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table
    from fastmath_r1.model import init_model
    from fastmath_r1.tokenizer import train_tokenizer

    corpus = read_table(a.corpus)
    prompts = [text for p in a.prompts.values() for text in (p["system"], p["user"])]
    tokenizer = train_tokenizer(prompts + corpus["problem"].tolist() + corpus["generation"].tolist(), a.vocab_size)
    n_params = init_model(tokenizer, a.architecture, a.seed, a.out)
    log.info("initialised a %d-parameter Qwen2 with a %d-token vocabulary in %s", n_params, len(tokenizer), a.out)


def cmd_sft(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table, to_prompt_completion
    from fastmath_r1.sft import train_sft

    _set_threads(a.threads)
    train = to_prompt_completion(read_table(a.data), a.prompts["system"], a.prompts["user"])
    log.info("SFT of %s on %d examples for %s epochs", a.model, len(train), a.epochs)
    train_sft(a.model, train, a.out, a.checkpoint_dir, a.log_csv, a.epochs, a.trainer)


def cmd_generate(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table
    from fastmath_r1.evaluate import generate_completions, sampling_from_config
    from fastmath_r1.generation import make_backend

    from transformers import AutoTokenizer

    _set_threads(a.threads)
    benchmark = read_table(a.benchmark)
    backend = make_backend(a.eval["backend"], a.model, a.eval)
    tokenizer = AutoTokenizer.from_pretrained(a.model)
    sampling = sampling_from_config(a.eval)
    log.info("sampling %d x %d completions of up to %d tokens from %s", len(benchmark), sampling.n, sampling.max_tokens, a.model)
    completions = generate_completions(backend, tokenizer, benchmark, a.prompts, sampling)
    completions.to_parquet(a.out, index=False)


def cmd_score(a: argparse.Namespace) -> None:
    from transformers import AutoTokenizer

    from fastmath_r1.data import read_table
    from fastmath_r1.evaluate import score

    tokenizer = AutoTokenizer.from_pretrained(a.model)
    metrics, _ = score(
        read_table(a.completions),
        read_table(a.benchmark),
        a.eval["budgets"],
        tokenizer,
        a.eval["pass_k"],
        a.eval["bootstrap_resamples"],
        a.eval["seed"],
    )
    metrics.insert(0, "benchmark", a.benchmark_name)
    metrics.insert(0, "model", a.model_name)
    metrics.to_csv(a.out, index=False)


def cmd_sft_epochs(a: argparse.Namespace) -> None:
    from fastmath_r1.tables import sft_epoch_table, write_table
    from fastmath_r1.figures import plot_sft_epochs

    table = sft_epoch_table(a.metrics, a.budget)
    write_table(table, a.out_csv, a.out_md, a.title)
    plot_sft_epochs(table, a.out_png)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastmath-r1", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("world", help="generate the miniature's math world (pools and held-out sets)")
    p.add_argument("--spec", type=_json, required=True, help="the config's world section")
    p.add_argument("--benchmarks", type=_json, required=True, help="the config's eval.benchmarks section")
    p.add_argument("--out-dir", type=Path, required=True)
    p.set_defaults(func=cmd_world)

    p = sub.add_parser("build-set", help="select rows of an OpenR1-shaped pool and keep their correct traces")
    p.add_argument("--pool", type=Path, required=True, help="table with problem, answer, generations, correctness_math_verify")
    p.add_argument("--selection", type=_json, required=True, help="min_generation_chars, min_accuracy, max_accuracy")
    p.add_argument("--keep", choices=["shortest-correct", "all-correct"], required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_build_set)

    p = sub.add_parser("data-card", help="counts and length statistics of data tables")
    p.add_argument("--table", nargs="+", required=True, metavar="NAME=PATH")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_data_card)

    p = sub.add_parser("init-model", help="train the tokenizer and initialise a small Qwen2")
    p.add_argument("--corpus", type=Path, required=True, help="table with problem and generation columns")
    p.add_argument("--prompts", type=_json, required=True)
    p.add_argument("--vocab-size", type=int, required=True)
    p.add_argument("--architecture", type=_json, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_init_model)

    p = sub.add_parser("sft", help="supervised fine-tuning with TRL's SFTTrainer")
    p.add_argument("--model", required=True, help="model directory or Hub id")
    p.add_argument("--data", type=Path, required=True, help="table with problem and generation columns")
    p.add_argument("--prompts", type=_json, required=True)
    p.add_argument("--trainer", type=_json, required=True, help="SFTConfig arguments")
    p.add_argument("--epochs", type=float, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--log-csv", type=Path, required=True, help="per-step training log")
    p.add_argument("--checkpoint-dir", type=Path, required=True, help="kept until the run finishes, for resuming")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_sft)

    p = sub.add_parser("generate", help="sample completions for a benchmark at the largest budget")
    p.add_argument("--model", required=True)
    p.add_argument("--benchmark", type=Path, required=True)
    p.add_argument("--prompts", type=_json, required=True)
    p.add_argument("--eval", type=_json, required=True, help="the config's eval section")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("score", help="grade completions and compute the metrics at every budget")
    p.add_argument("--model", required=True, help="model directory (for its tokenizer)")
    p.add_argument("--model-name", required=True)
    p.add_argument("--benchmark", type=Path, required=True)
    p.add_argument("--benchmark-name", required=True)
    p.add_argument("--completions", type=Path, required=True)
    p.add_argument("--eval", type=_json, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("sft-epochs", help="table and figure of the SFT epoch ablation (paper F1)")
    p.add_argument("--metrics", type=Path, nargs="+", required=True)
    p.add_argument("--budget", type=int, required=True)
    p.add_argument("--title", required=True)
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-md", type=Path, required=True)
    p.add_argument("--out-png", type=Path, required=True)
    p.set_defaults(func=cmd_sft_epochs)
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
