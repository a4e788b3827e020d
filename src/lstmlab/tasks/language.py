"""A long dependency in words: "I grew up in France ... so I speak fluent [French]".

The country named in the first clause decides the last word, `lag` neutral clauses later. This
is the kind of dependency Olah (2015, "Understanding LSTM Networks") uses to motivate LSTMs
("I grew up in France… I speak fluent French"); here it is a controlled task with a known answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from lstmlab.checks import ArgumentError, check_int
from lstmlab.tasks.base import Task, TaskData, ce_scores, check_output, generator, one_hot


@dataclass(frozen=True)
class Country:
    en: str
    fr: str
    fr_preposition: str  # "en France", but "au Portugal"
    language_en: str
    language_fr: str


# The classes: one language per country, in this order.
COUNTRIES = (
    Country("France", "France", "en", "French", "français"),
    Country("Germany", "Allemagne", "en", "German", "allemand"),
    Country("Spain", "Espagne", "en", "Spanish", "espagnol"),
    Country("Italy", "Italie", "en", "Italian", "italien"),
    Country("Portugal", "Portugal", "au", "Portuguese", "portugais"),
    Country("Greece", "Grèce", "en", "Greek", "grec"),
    Country("Poland", "Pologne", "en", "Polish", "polonais"),
    Country("Japan", "Japon", "au", "Japanese", "japonais"),
)

# Per sentence language: openings naming the country, distractor clauses (never a country, a
# city, a nationality or a language, so the opening is the only evidence), and the closing
# after which the language is predicted. Tokens are the space-separated words; "," is a token.
OPENINGS = {
    "en": (
        "I grew up in {country}",
        "I was born in {country}",
        "my childhood was spent in {country}",
    ),
    "fr": ("j'ai grandi {country}", "je suis né {country}", "mon enfance s'est passée {country}"),
}
CLAUSES = {
    "en": (
        "then I moved several times",
        "the weather was often grey",
        "I studied mathematics",
        "my brother played the piano",
        "we had a small dog",
        "I liked to read in the evening",
        "the school was far from home",
        "my parents worked a lot",
        "I learned to swim",
        "on sundays we went to the market",
    ),
    "fr": (
        "puis j'ai déménagé plusieurs fois",
        "le temps était souvent gris",
        "j'ai étudié les mathématiques",
        "mon frère jouait du piano",
        "nous avions un petit chien",
        "j'aimais lire le soir",
        "l'école était loin de la maison",
        "mes parents travaillaient beaucoup",
        "j'ai appris à nager",
        "le dimanche nous allions au marché",
    ),
}
CLOSINGS = {"en": "so I speak fluent", "fr": "donc je parle couramment"}
SENTENCE_LANGUAGES = tuple(OPENINGS)
N_OPENINGS = 3  # per sentence language, as listed above
N_CLAUSES = 10


def country_phrase(country: Country, language: str) -> str:
    return country.en if language == "en" else f"{country.fr_preposition} {country.fr}"


class LanguageTask(Task):
    """Name the language of the country in the opening, after `lag` distractor clauses.

    A sentence, in English or French (drawn per sample from `sentence_languages`), is
        opening(country) , clause_1 , ... , clause_lag , closing
    e.g. "j'ai grandi en France , le temps était souvent gris , donc je parle couramment"; the
    class is the country's language (French/français is one class), predicted at the last word.
    Country, opening, clauses and sentence language are drawn independently and uniformly, so
    nothing but the country predicts the class.

    lag counts clauses (>= 0); a clause is 4-8 tokens with its comma, so the country lies about
    6 lag + 5 words before the prediction. Inputs are one-hot words over `vocab` (every word of
    the grammar, sorted). Sentences differ in length and are left-padded with zero vectors, so
    the last step is the prediction point for every sentence. x takes N * T * len(vocab) * 4
    bytes (len(vocab) = 113 with both sentence languages).

    Baseline: a uniform guess over the languages, cross-entropy log(8).

    Solved: test accuracy >= 0.95 (our choice; no paper defines this task). The answer is a
    function of the country alone, so a net that keeps it reaches 100%; chance is 1/8, and a
    net that keeps only part of it (say, which of two groups the country is in) stays far below.
    """

    name: ClassVar[str] = "language"
    loss, target, causal = "ce", "last", False
    source: ClassVar[str] = "this library; the example of Olah 2015, 'Understanding LSTM Networks'"
    metric_name: ClassVar[str] = "accuracy"

    solved_accuracy: ClassVar[float] = 0.95

    lag_bound: ClassVar[tuple[int, str]] = (0, "the number of distractor clauses")

    def __init__(self, lag: int, sentence_languages: tuple[str, ...] = SENTENCE_LANGUAGES) -> None:
        super().__init__(lag)
        languages = tuple(sentence_languages)
        if not languages or any(lang not in SENTENCE_LANGUAGES for lang in languages):
            raise ArgumentError(
                f"sentence_languages: expected a non-empty subset of {SENTENCE_LANGUAGES}, "
                f"got {sentence_languages!r}",
                "sentence_languages",
            )
        self.sentence_languages = tuple(dict.fromkeys(languages))  # unique, in the given order
        self.classes = [c.language_en for c in COUNTRIES]
        # Every piece a sentence is made of, as a row of word ids, built from the grammar.
        openings = [
            template.format(country=country_phrase(country, lang)).split()
            for lang in self.sentence_languages
            for template in OPENINGS[lang]
            for country in COUNTRIES
        ]
        clauses = [[","] + c.split() for lang in self.sentence_languages for c in CLAUSES[lang]]
        closings = [[","] + CLOSINGS[lang].split() for lang in self.sentence_languages]
        self.vocab = sorted({w for piece in openings + clauses + closings for w in piece})
        word_id = {w: i for i, w in enumerate(self.vocab)}
        pieces = openings + clauses + closings
        width = max(len(p) for p in pieces)
        self._pieces = torch.tensor(  # (n_pieces, width), -1 = no word
            [[word_id[w] for w in p] + [-1] * (width - len(p)) for p in pieces]
        )
        n_lang = len(self.sentence_languages)
        self._opening_id = torch.arange(len(openings)).view(n_lang, N_OPENINGS, len(COUNTRIES))
        self._clause_id = len(openings) + torch.arange(len(clauses)).view(n_lang, N_CLAUSES)
        self._closing_id = len(openings) + len(clauses) + torch.arange(n_lang)  # (n_lang,)
        self.input_size = len(self.vocab)
        self.output_size = len(COUNTRIES)

    def generate(self, n: int, seed: int) -> TaskData:
        n = check_int("n", n, minimum=1)
        g = generator(seed)
        lang = torch.randint(0, len(self.sentence_languages), (n,), generator=g)  # (n,)
        country = torch.randint(0, len(COUNTRIES), (n,), generator=g)  # (n,) = the class
        template = torch.randint(0, N_OPENINGS, (n,), generator=g)  # (n,)
        clause = torch.randint(0, N_CLAUSES, (n, self.lag), generator=g)  # (n, lag)
        piece = torch.cat(  # (n, lag + 2) which piece comes where
            [
                self._opening_id[lang, template, country].unsqueeze(1),
                self._clause_id[lang.unsqueeze(1), clause],
                self._closing_id[lang].unsqueeze(1),
            ],
            dim=1,
        )
        words = self._pieces[piece].flatten(1)  # (n, (lag + 2) * width), -1 between words
        # Left-pad: a stable sort on "is a word" moves the gaps to the front, words kept in order.
        order = torch.sort((words >= 0).int(), dim=1, stable=True).indices
        words = words.gather(1, order)
        length = int((words >= 0).sum(1).max())
        words = words[:, -length:]  # (n, T)
        return TaskData(x=one_hot(words, self.input_size), y=country)

    def decode(self, x: torch.Tensor) -> list[str]:
        """The words of one sentence x: (T, input_size), padding steps skipped."""
        if x.dim() != 2 or x.shape[1] != self.input_size:
            raise ArgumentError(
                f"x: expected one sentence of shape (T, {self.input_size}), got {tuple(x.shape)}",
                "x",
            )
        return [self.vocab[int(i)] for i in x.argmax(-1)[x.sum(-1) > 0]]

    def answer(self, label: int, sentence_language: str) -> str:
        """The word the sentence ends with for class `label`, e.g. (0, "fr") -> "français"."""
        country = COUNTRIES[label]
        return country.language_en if sentence_language == "en" else country.language_fr

    def baseline(self) -> float:
        return math.log(len(COUNTRIES))

    def evaluate(self, output: torch.Tensor, data: TaskData) -> dict[str, float]:
        logits = check_output(output, data, self.output_size)[:, -1]  # (N, C) at the last word
        loss, correct = ce_scores(logits, data.y)
        accuracy = float(correct.float().mean())
        return {"loss": loss, "metric": accuracy, "baseline": self.baseline(), "accuracy": accuracy}

    def solved(self, metrics: dict[str, float]) -> bool:
        return metrics["accuracy"] >= self.solved_accuracy

    def __repr__(self) -> str:
        return f"LanguageTask(lag={self.lag}, sentence_languages={self.sentence_languages})"
