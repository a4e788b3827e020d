"""English → French translation (``lstmlab app translate``): number phrases spelled by num2words
and sentences from Debian's gettext catalogs; LSTM encoder–decoders with and without attention,
greedy and beam search, the Transformer as a baseline."""

from lstmlab.apps.translate.cli import group

__all__ = ["group"]
