"""Speaker splits (test speakers unseen) and the metrics."""

import pytest

from lstmlab.apps.speech.metrics import scores, string_accuracy, wer
from lstmlab.apps.speech.voices import HELD_OUT_VOICES, LANGUAGES, SPLIT_VARIANTS, speakers


@pytest.mark.parametrize("language", LANGUAGES)
def test_test_speakers_are_never_heard_in_training(language):
    train = set(speakers("train", language))
    val = set(speakers("val", language))
    test = set(speakers("test", language))
    assert train and val and test
    assert not train & test and not val & test and not train & val
    assert {s.voice for s in train} & set(HELD_OUT_VOICES) == set()
    assert {s.voice for s in test} & set(HELD_OUT_VOICES)
    assert all(s.language == language for s in train | test)


def test_variant_sets_are_disjoint():
    sets = [set(v) for v in SPLIT_VARIANTS.values()]
    assert sum(len(s) for s in sets) == len(set().union(*sets))


def test_speakers_reject_unknown_names():
    with pytest.raises(ValueError, match="split: expected one of train, val, test, got 'dev'"):
        speakers("dev", "en")
    with pytest.raises(ValueError, match="language: expected one of en, fr, got 'de'"):
        speakers("train", "de")


def test_wer_and_string_accuracy_by_language():
    refs = ["3 7 1", "2", "4 4"]
    hyps = ["3 7", "2", "4 5 4"]
    # 1 deletion + 1 insertion over 6 reference words
    assert wer(refs, hyps) == pytest.approx(2 / 6)
    assert string_accuracy(refs, hyps) == pytest.approx(1 / 3)
    out = scores(refs, hyps, ["en", "fr", "fr"])
    assert out["wer_en"] == pytest.approx(1 / 3)
    assert out["wer_fr"] == pytest.approx(1 / 3)
    assert out["string_acc_fr"] == pytest.approx(0.5)
