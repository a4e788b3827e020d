"""``lstmlab app text``: character-level text generation on the works of Shakespeare (or the
user's corpus), an LSTM trained by truncated BPTT against a Kneser–Ney n-gram and a Transformer
of the same size and wall-clock budget, scored in bits per character on held-out works."""

from lstmlab.apps.text.cli import group

__all__ = ["group"]
