"""Speech recognition (``lstmlab app speech``): connected spoken digits in English and French,
synthesised by espeak-ng with unseen speakers held out for testing, transcribed by a
bidirectional LSTM trained with CTC (Graves et al. 2006); an isolated-word classifier over
digits and letters, also tested on human recordings (KLettres)."""

from lstmlab.apps.speech.cli import group

__all__ = ["group"]
