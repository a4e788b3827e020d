"""The language task: the country comes early, the label is its language, nothing else leaks."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.tasks import LanguageTask
from lstmlab.tasks.language import (
    CLAUSES,
    CLOSINGS,
    COUNTRIES,
    N_CLAUSES,
    N_OPENINGS,
    OPENINGS,
)

COUNTRY_WORDS = {c.en: i for i, c in enumerate(COUNTRIES)} | {
    c.fr: i for i, c in enumerate(COUNTRIES)
}
LANGUAGE_WORDS = {c.language_en.lower() for c in COUNTRIES} | {c.language_fr for c in COUNTRIES}


@settings(max_examples=25, deadline=None)
@given(lag=st.integers(min_value=0, max_value=15), seed=st.integers(0, 2**32))
def test_country_early_label_its_language_and_no_other_country(lag, seed):
    task = LanguageTask(lag)
    data = task.generate(32, seed)
    for x, label in zip(data.x, data.y, strict=True):
        words = task.decode(x)
        first_clause = words[: words.index(",")]
        countries = [w for w in words if w in COUNTRY_WORDS]
        assert len(countries) == 1, words
        assert countries[0] in first_clause
        assert COUNTRY_WORDS[countries[0]] == int(label)
        assert words.count(",") == lag + 1
        closing = CLOSINGS["en"] if words[-1] == "fluent" else CLOSINGS["fr"]
        assert " ".join(words).endswith(closing)
        assert not {w.lower() for w in words} & LANGUAGE_WORDS  # the answer is never an input


def test_sentences_are_left_padded_so_the_last_step_is_the_prediction_point():
    task = LanguageTask(6)
    data = task.generate(200, seed=0)
    valid = data.x.sum(-1) > 0  # (N, T)
    assert valid[:, -1].all()
    assert (valid.int().diff(dim=1) >= 0).all()  # padding only before the sentence
    assert not valid[:, 0].all()  # sentences differ in length


def test_the_grammar_has_no_evidence_but_the_opening():
    for lang in OPENINGS:
        assert len(OPENINGS[lang]) == N_OPENINGS and len(CLAUSES[lang]) == N_CLAUSES
        for text in CLAUSES[lang] + (CLOSINGS[lang],):
            words = {w.lower() for w in text.split()}
            assert not words & {w.lower() for w in COUNTRY_WORDS}, text
            assert not words & LANGUAGE_WORDS, text


def test_labels_and_sentence_languages_are_balanced_and_independent():
    task = LanguageTask(2)
    data = task.generate(8000, seed=1)
    is_french = torch.tensor(["fluent" not in task.decode(x) for x in data.x])
    for lang_mask in (is_french, ~is_french):
        counts = torch.bincount(data.y[lang_mask], minlength=8).float()
        assert lang_mask.float().mean().item() == pytest.approx(0.5, abs=0.03)
        assert (counts / counts.sum() - 1 / 8).abs().max() < 0.03


def test_one_sentence_language_and_its_vocabulary():
    task = LanguageTask(3, sentence_languages=("fr",))
    assert "fluent" not in task.vocab and "couramment" in task.vocab
    assert task.input_size == len(task.vocab)
    data = task.generate(20, seed=2)
    assert all(task.decode(x)[-1] == "couramment" for x in data.x)
    assert task.answer(0, "fr") == "français" and task.answer(1, "en") == "German"
    assert task.classes[int(data.y[0])] == COUNTRIES[int(data.y[0])].language_en


def test_vocab_is_the_same_for_every_instance():
    assert LanguageTask(1).vocab == LanguageTask(30).vocab == sorted(LanguageTask(5).vocab)


def test_decode_checks_its_input():
    task = LanguageTask(1)
    data = task.generate(2, seed=3)
    with pytest.raises(ValueError, match="x"):
        task.decode(data.x)
