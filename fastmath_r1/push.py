"""Publishing a checkpoint to the Hugging Face Hub: weights, config, generation config, tokenizer, the
resolved recipe (`recipe.yaml`) and a model card whose metadata carries the evaluation results.

Thin over huggingface_hub's HfApi (create_repo, create_branch, create_commit). What it adds:
- it refuses before contacting the Hub when there is no token, and never writes the token anywhere;
- it never replaces a published revision (a branch holding any file besides the Hub's own
  `.gitattributes`) unless asked to, and then leaves only the new checkpoint's files on it;
- it retries what huggingface_hub itself counts as transient (timeouts, dropped connections, HTTP 408,
  429 and 5xx) with an exponential backoff: the library does not retry a commit (nor repo or branch
  creation) on its own.

`endpoint` is the Hub's URL; None means huggingface_hub's own default (HF_ENDPOINT, else huggingface.co).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd
import yaml

from fastmath_r1.errors import InputError
from fastmath_r1.hub import missing_model_files

log = logging.getLogger("fastmath_r1")

CHECKPOINT_PATTERNS = [
    "*.safetensors",
    "*.safetensors.index.json",
    "config.json",
    "generation_config.json",
    "tokenizer*",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "chat_template.jinja",
]
TAGS = ["fast-math-r1-repro", "math", "reasoning", "grpo", "sft"]
HUB_OWN_FILE = ".gitattributes"  # every Hub repo starts with it; not part of what we publish
CITATION = """\
@article{yoshihara2025practical,
  title = {A Practical Two-Stage Recipe for Mathematical LLMs: Maximizing Accuracy with SFT and Efficiency with Reinforcement Learning},
  author = {Yoshihara, Hiroshi and Yamaguchi, Taiki and Inoue, Yuichi},
  year = {2025},
  eprint = {2507.08267},
  archivePrefix = {arXiv},
}"""  # noqa: E501 (a BibTeX title is one line)


class PushRefused(InputError):
    """A push that would fail or lose something: no token, an incomplete checkpoint, a published revision."""


def push_checkpoint(
    model_dir: Path,
    repo_id: str,
    revision: str,
    recipe_config: dict,
    metrics: pd.DataFrame | None,
    base_model: str | None,
    datasets: list[str],
    overwrite: bool = False,
    retries: int = 3,
    endpoint: str | None = None,
    token: str | None = None,
    backoff_s: float = 2.0,
) -> str:
    """Publish the checkpoint in `model_dir` as `repo_id@revision` (a branch, created when missing) with
    `recipe.yaml` and a model card; returns the commit sha."""
    from huggingface_hub import HfApi, get_token

    where = f"{repo_id}@{revision}"
    token = token or get_token()
    if not token:
        raise PushRefused(
            f"pushing to {where} needs a Hugging Face token with write access: set HF_TOKEN in the environment"
            " (or run `hf auth login`)"
        )
    files = checkpoint_files(Path(model_dir))
    missing = missing_model_files(files)
    if missing:
        raise PushRefused(f"{model_dir} is not a complete checkpoint: it lacks {', '.join(missing)}")

    api = HfApi(endpoint=endpoint, token=token)
    published = with_retries(published_files, api, repo_id, revision, retries=retries, backoff_s=backoff_s)
    if published and not overwrite:
        raise PushRefused(f"{where} is already published ({', '.join(published)}); pass overwrite=True to replace it")
    with_retries(api.create_repo, repo_id, exist_ok=True, retries=retries, backoff_s=backoff_s)
    if revision != "main":
        with_retries(api.create_branch, repo_id, branch=revision, exist_ok=True, retries=retries, backoff_s=backoff_s)
    generated = {
        "README.md": model_card(repo_id, recipe_config, metrics, base_model, datasets).encode(),
        "recipe.yaml": yaml.safe_dump(recipe_config, sort_keys=False).encode(),
    }
    # A new branch starts as a copy of main: what it holds and this checkpoint lacks goes, as on overwrite.
    present = with_retries(published_files, api, repo_id, revision, retries=retries, backoff_s=backoff_s)
    stale = sorted(set(present) - set(files) - set(generated))
    # The operations are made anew for each try: create_commit marks the ones it has sent.
    commit = with_retries(
        lambda: api.create_commit(
            repo_id,
            operations=commit_operations(files, generated, stale),
            commit_message=f"Fast-Math-R1 reproduction: {Path(model_dir).name}",
            revision=revision,
        ),
        retries=retries,
        backoff_s=backoff_s,
    )
    log.info("pushed %s to %s: commit %s", model_dir, where, commit.oid)
    return commit.oid


def checkpoint_files(model_dir: Path) -> dict[str, Path]:
    """The files of `model_dir` that make the published checkpoint, by name."""
    return {
        p.name: p
        for p in sorted(model_dir.iterdir())
        if p.is_file() and any(p.match(pat) for pat in CHECKPOINT_PATTERNS)
    }


def published_files(api, repo_id: str, revision: str) -> list[str]:
    """The files at `repo_id@revision` besides the Hub's own; none when the repo or the branch is missing."""
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    try:
        return [f for f in api.list_repo_files(repo_id, revision=revision) if f != HUB_OWN_FILE]
    except (RepositoryNotFoundError, RevisionNotFoundError):
        return []


def commit_operations(files: dict[str, Path], generated: dict[str, bytes], stale: list[str]) -> list:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    return (
        [CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(path)) for name, path in files.items()]
        + [CommitOperationAdd(path_in_repo=name, path_or_fileobj=content) for name, content in generated.items()]
        + [CommitOperationDelete(path_in_repo=name) for name in stale]
    )


def with_retries(call, *args, retries: int, backoff_s: float, **kwargs):
    """`call(*args, **kwargs)`, tried again up to `retries` times after a transient failure, waiting
    backoff_s, 2 * backoff_s, ... in between; any other failure is raised at once."""
    for attempt in range(retries + 1):
        try:
            return call(*args, **kwargs)
        except Exception as error:
            if attempt == retries or not is_transient(error):
                raise
            wait = backoff_s * 2**attempt
            # The error's text names the URL and the status, never the request's headers (the token).
            log.warning(
                "transient Hub failure (%s: %s); retry %d/%d in %.1f s",
                type(error).__name__,
                error,
                attempt + 1,
                retries,
                wait,
            )
            time.sleep(wait)


def is_transient(error: Exception) -> bool:
    # huggingface_hub's own definition of transient, in the HTTP library (httpx or httpx2) its version uses.
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils._http import (
        _DEFAULT_RETRY_ON_EXCEPTIONS,
        _DEFAULT_RETRY_ON_STATUS_CODES,
    )

    if isinstance(error, HfHubHTTPError):
        return error.response.status_code in _DEFAULT_RETRY_ON_STATUS_CODES
    return isinstance(error, _DEFAULT_RETRY_ON_EXCEPTIONS)


def model_card(
    repo_id: str, recipe_config: dict, metrics: pd.DataFrame | None, base_model: str | None, datasets: list[str]
) -> str:
    """README.md: YAML metadata (base model, datasets, tags, library, model-index with the evaluation
    results) and a body saying what the recipe was, how it scored and how to cite the paper."""
    from huggingface_hub import ModelCardData

    name = repo_id.split("/")[-1]
    data = ModelCardData(
        base_model=base_model,
        datasets=datasets or None,
        tags=TAGS,
        library_name="transformers",
        model_name=name,
        eval_results=eval_results(metrics) or None,
    )
    preset = recipe_config["preset"]
    origin = (
        f"from [{base_model}](https://huggingface.co/{base_model})"
        if base_model
        else "from a freshly initialised model"
    )
    sections = [
        f"# {name}",
        (
            f"A checkpoint of an independent reproduction of Fast-Math-R1 (preset `{preset}`), trained {origin}. The"
            " paper's recipe has two stages: a long supervised fine-tuning on hard problems with their shortest correct"
            " reasoning traces, then a short GRPO phase whose rewards favour correct and shorter solutions."
            " `recipe.yaml` is the resolved configuration of the run that produced this checkpoint (every default"
            " filled in): it says"
            " which stages it went through and with which settings."
        ),
    ]
    if metrics is not None and not metrics.empty:
        sections += [
            "## Evaluation",
            "pass@1 in percent; tokens: mean output tokens per sample, at each token budget.",
            results_table(metrics),
        ]
    sections += ["## Citation", f"```bibtex\n{CITATION}\n```"]
    return f"---\n{data.to_yaml()}\n---\n\n" + "\n\n".join(sections) + "\n"


def eval_results(metrics: pd.DataFrame | None) -> list:
    """pass@1 and mean tokens per (benchmark, budget), as model-index entries (the budget is the
    metric's `max_tokens` argument)."""
    from huggingface_hub import EvalResult

    if metrics is None:
        return []
    return [
        EvalResult(
            task_type="text-generation",
            dataset_type=row["benchmark"],
            dataset_name=row["benchmark"],
            metric_type=metric,
            metric_value=float(row[metric]),
            metric_name=f"{metric}, budget {int(row['budget'])}",
            metric_args={"max_tokens": int(row["budget"])},
        )
        for _, row in metrics.iterrows()
        for metric in ("pass@1", "tokens")
    ]


def results_table(metrics: pd.DataFrame) -> str:
    return metrics[["benchmark", "budget", "pass@1", "tokens"]].to_markdown(index=False, floatfmt=".1f")
