"""The speech application's config: the loop's knobs (LoopConfig) and the app's own, in one
frozen dataclass that the CLI turns into options field by field."""

from __future__ import annotations

from dataclasses import dataclass

from lstmlab.apps.speech.corpus import CorpusConfig
from lstmlab.apps.speech.model import CoreConfig
from lstmlab.checks import check_choice, check_int
from lstmlab.fields import config_field, field_defaults
from lstmlab.models.config import RECURRENT_KINDS
from lstmlab.training import LoopConfig

__all__ = ["SpeechConfig"]


@dataclass(frozen=True)
@field_defaults(  # the loop's knobs, with this application's defaults
    steps=2000, max_seconds=240.0, batch_size=32, lr=3e-3, eval_every=100, patience=8, threads=2
)
class SpeechConfig(LoopConfig):
    """``lstmlab app speech train``: four models trained by the one loop with these knobs, each
    under the same step and time budget — the bidirectional CTC recogniser (the model), the
    unidirectional LSTM and RNN with CTC at its parameter count (the baselines), and the
    isolated-word classifier (digits and letter names)."""

    # the model
    variant: str = config_field(
        "lstm", "The recurrent core: lstm, an LSTM variant (peephole, cifg, ...), gru or rnn."
    )
    hidden: int = config_field(64, "Units per direction and layer.")
    layers: int = config_field(2, "Stacked recurrent layers.")
    dropout: float = config_field(0.1, "Dropout between stacked layers.")
    baselines: bool = config_field(True, "Also train the unidirectional LSTM and RNN baselines.")
    words: bool = config_field(True, "Also train the isolated-word (digits and letters) model.")
    beam: int = config_field(8, "Beam width of the CTC prefix beam search.")
    # the synthetic corpora
    n_train: int = config_field(3000, "Training digit strings.")
    n_val: int = config_field(200, "Validation digit strings (unseen variants).")
    n_test: int = config_field(600, "Test digit strings (unseen speakers).")
    n_words_train: int = config_field(2600, "Training isolated words.")
    n_words_test: int = config_field(540, "Test isolated words.")
    snr_db: float = config_field(20.0, "White noise at this SNR, in dB.")
    data_seed: int = config_field(0, "Seed of the synthesised corpora.")
    workers: int | None = config_field(
        None, "Parallel synthesis processes; none = the usable CPUs."
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("variant", self.variant, RECURRENT_KINDS)
        check_int("beam", self.beam, 1)
        check_int("data_seed", self.data_seed, 0)
        if self.workers is not None:
            check_int("workers", self.workers, 1)
        self.digits_corpus()  # the corpus and core checks name their own fields
        self.core()

    def core(self) -> CoreConfig:
        return CoreConfig(self.variant, self.hidden, self.layers, True, self.dropout)

    def digits_corpus(self) -> CorpusConfig:
        return CorpusConfig(
            "digits", self.n_train, self.n_val, self.n_test, self.data_seed, snr_db=self.snr_db
        )

    def words_corpus(self) -> CorpusConfig:
        n_val = max(2, self.n_words_test // 2)
        return CorpusConfig(
            "words", self.n_words_train, n_val, self.n_words_test, self.data_seed,
            snr_db=self.snr_db,
        )  # fmt: skip
