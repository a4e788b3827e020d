"""``predict``: translate one English sentence with a trained run; draw its attention."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from torch import Tensor, nn

from lstmlab.apps.translate.batches import Vocabs, source_batch
from lstmlab.apps.translate.problem import max_target_len
from lstmlab.apps.translate.search import beam_search
from lstmlab.apps.translate.tokens import detokenize, tokenize

__all__ = ["Translation", "check_sentence", "translate", "png_name"]


class Translation(NamedTuple):
    source: list[str]  # the English words read
    target: list[str]  # the French words produced (without </s>)
    attention: Tensor | None  # (len(target) + 1, len(source)), the last row for </s>

    @property
    def text(self) -> str:
        return detokenize(self.target)


def check_sentence(sentence: str, vocabs: Vocabs) -> list[str]:
    """The words of ``sentence``, or a ValueError naming what is wrong with it."""
    words = tokenize(sentence)
    if not any(w[0].isalnum() for w in words):
        raise ValueError(f"sentence: expected English words, got {sentence!r}")
    unknown = vocabs.src.unknown(words)
    if unknown:
        known = ", ".join(repr(w) for w in vocabs.src.itos[4:12])
        raise ValueError(
            f"sentence: expected words the model was trained on, got unknown "
            f"{'word' if len(unknown) == 1 else 'words'} {', '.join(map(repr, unknown))} "
            f"(it knows {len(vocabs.src) - 4} English words, e.g. {known})"
        )
    return words


def translate(model: nn.Module, vocabs: Vocabs, sentence: str, beam: int = 1) -> Translation:
    words = check_sentence(sentence, vocabs)
    src, src_len = source_batch([words], vocabs.src)
    h = beam_search(model, src, src_len, beam, max_target_len(len(words)))
    return Translation(words, vocabs.tgt.decode(h.tokens), h.attention)


def png_name(sentence: str) -> str:
    slug = "-".join(re.findall(r"\w+", sentence.lower()))[:80] or "sentence"
    return f"attention-{slug}.png"


def attention_png(out: str | Path, sentence: str) -> Path:
    return Path(out) / png_name(sentence)
