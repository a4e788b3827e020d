"""The synthetic corpus pipeline on a tiny generated corpus (espeak-ng, as .ci/run installs it)."""

import json

import numpy as np
import pytest

from lstmlab.apps.speech.corpus import DIGITS, WORDS, CorpusConfig, corpus_dir, load_corpus, plan
from lstmlab.apps.speech.features import FEATURE_SIZE
from lstmlab.apps.speech.voices import HELD_OUT_VOICES, speakers

TINY = CorpusConfig("digits", n_train=4, n_val=2, n_test=4, seed=3, max_digits=3)


def test_plan_is_a_function_of_the_seed_and_keeps_test_speakers_unseen():
    assert plan(TINY, "test") == plan(TINY, "test")
    other = CorpusConfig(**{**TINY.__dict__, "seed": 4})
    assert plan(other, "train") != plan(TINY, "train")
    big = CorpusConfig("digits", n_train=400, n_val=2, n_test=400)
    train_speakers = {u.speaker for u in plan(big, "train")}
    test = plan(big, "test")
    assert not train_speakers & {u.speaker for u in test}
    assert {u.speaker.voice for u in test} & set(HELD_OUT_VOICES)
    assert {u.language for u in test} == {"en", "fr"}
    assert all(u.speaker in speakers("test", u.language) for u in test)
    assert all(1 <= len(u.text.split()) <= 7 for u in test)
    assert {d for u in test for d in u.text.split()} == set(DIGITS)


def test_words_are_single_digits_or_letters():
    words = plan(CorpusConfig("words", n_train=200, n_val=2, n_test=2), "train")
    assert {u.text for u in words} <= set(WORDS)
    assert len({u.text for u in words}) > 30


def test_corpus_is_generated_once_recorded_and_reloaded(tmp_path, espeak):
    splits = load_corpus(TINY, tmp_path, workers=1, progress=False)
    assert [len(splits[s]) for s in ("train", "val", "test")] == [4, 2, 4]
    test = splits["test"]
    assert [t for t in test.texts] == [u.text for u in plan(TINY, "test")]
    assert all(x.shape[1] == FEATURE_SIZE and x.dtype == np.float16 for x in test.inputs)
    # a digit lasts more than 0.1 s: at 30 ms a step, n digits take more than 3n steps
    assert all(len(x) > 3 * len(t.split()) for x, t in zip(test.inputs, test.texts, strict=True))
    folder = corpus_dir(TINY, tmp_path)
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["config"]["seed"] == 3 and "espeak-ng" in meta["espeak"].lower()
    stamp = (folder / "test.npz").stat().st_mtime_ns
    again = load_corpus(TINY, tmp_path, workers=1, progress=False)["test"]
    assert (folder / "test.npz").stat().st_mtime_ns == stamp  # read, not regenerated
    assert all(np.array_equal(a, b) for a, b in zip(again.inputs, test.inputs, strict=True))


def test_corpus_config_rejects_bad_values():
    with pytest.raises(ValueError, match="kind: expected one of digits, words, got 'letters'"):
        CorpusConfig("letters")
    with pytest.raises(ValueError, match="n_test: expected an int >= 2"):
        CorpusConfig(n_test=1)
    with pytest.raises(ValueError, match=r"pitch: expected a range within \[0, 99\]"):
        CorpusConfig(pitch=(10, 120))
