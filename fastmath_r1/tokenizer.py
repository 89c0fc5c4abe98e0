"""A byte-level BPE tokenizer trained locally, saved as a transformers tokenizer with a chat template.

It stands in for the Qwen2 tokenizer of the 14B model: digits are split one per token (as Qwen2 does,
which is what lets a small model learn arithmetic), and the chat template is the one the paper's
authors used for SFT.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

EOS = "<|end|>"
PAD = "<|pad|>"
# AutoTokenizer loads a directory holding a Qwen2 config as Qwen2Tokenizer, which adds this unknown
# token when it is missing and so grows the vocabulary past the model's embedding.
UNK = "<|endoftext|>"
ROLE_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>"]
# Reasoning markers are ordinary tokens, not special ones: generation decodes with
# skip_special_tokens=True, which would otherwise strip them and fail every format check.
THINK_TOKENS = ["<think>", "</think>"]

# The authors' SFT template: `<|role|>\n{content}{eos}` per message, `<|assistant|>\n` to generate.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)


def train_tokenizer(texts: Iterable[str], vocab_size: int) -> PreTrainedTokenizerFast:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS, PAD, UNK, *ROLE_TOKENS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in THINK_TOKENS])
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        additional_special_tokens=ROLE_TOKENS,
        chat_template=CHAT_TEMPLATE,
        padding_side="left",
        model_max_length=4096,
    )
