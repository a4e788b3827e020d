"""The two corpora: number phrases from num2words, sentence pairs from gettext catalogs."""

from pathlib import Path

import pytest
from num2words import num2words

from lstmlab.apps.translate import numbers
from lstmlab.apps.translate.messages import MessageError, message_split, read_catalog
from lstmlab.apps.translate.numbers import NumberSettings, held_out_rule, number_split, range_of
from lstmlab.apps.translate.tokens import EOS, UNK, Vocab, detokenize, tokenize


def test_tokens_split_french_compounds_and_join_back():
    assert tokenize("Quatre-vingt-onze") == ["quatre", "-", "vingt", "-", "onze"]
    assert tokenize("Impossible d'ouvrir le fichier.") == [
        "impossible", "d", "'", "ouvrir", "le", "fichier", ".",
    ]  # fmt: skip
    for text in ("quatre-vingt-onze", "mille sept cent soixante et onze", "one thousand, two"):
        assert detokenize(tokenize(text)) == text


def test_vocab_encodes_decodes_and_names_unknown_words():
    v = Vocab.build([["b", "a", "b"], ["c"]])
    assert v.itos[4:] == ["b", "a", "c"]  # by frequency, then alphabetically
    assert v.encode(["a", "zz"]) == [5, UNK]
    assert v.decode([4, 5, EOS, 6]) == ["b", "a"]
    assert v.unknown(["a", "zz", "q", "zz"]) == ["zz", "q"]


@pytest.mark.parametrize(
    "n, group",
    [(700, "700-799"), (799, "700-799"), (800, None), (71, None), (171, "x71"), (1081, "x81"),
     (9991, "x91"), (1700, None), (1772, None)],
)  # fmt: skip
def test_held_out_rule(n, group):
    assert held_out_rule(n) == group


def test_range_of_groups_by_tens_of_the_last_two_digits():
    assert [range_of(n) for n in (5, 171, 1089, 90)] == ["00-09", "70-79", "80-89", "90-99"]


def test_number_split_holds_out_whole_ranges_and_caches(tmp_path: Path, monkeypatch):
    settings = NumberSettings(max_number=1999, n_val=50, seed=1)
    split = number_split(settings, tmp_path)
    tags = {k: {int(p.tag) for p in getattr(split, k)} for k in ("train", "val", "test")}
    assert tags["test"] == {n for n in range(2000) if held_out_rule(n)}
    assert len(tags["val"]) == 50 and not tags["val"] & tags["train"]
    assert tags["train"] | tags["val"] | tags["test"] == set(range(2000))
    pair = next(p for p in split.test if p.tag == "1791")
    assert (pair.en, pair.fr) == (num2words(1791, lang="en"), num2words(1791, lang="fr"))
    assert pair.fr == "mille sept cent quatre-vingt-onze"
    assert split.info["num2words"] and split.info["max_number"] == 1999

    def no_generation(_numbers):
        raise AssertionError("generated again instead of read from the cache")

    monkeypatch.setattr(numbers, "number_pairs", no_generation)
    assert number_split(settings, tmp_path) == split  # read back from the cache
    with pytest.raises(AssertionError, match="generated again"):
        number_split(NumberSettings(max_number=1999, n_val=50, seed=2), tmp_path)


def test_number_settings_reject_bad_values():
    with pytest.raises(ValueError, match="max_number: expected an int >= 1000, got 99"):
        NumberSettings(max_number=99)
    with pytest.raises(ValueError, match="n_val"):
        NumberSettings(max_number=1000, n_val=0)


def test_catalog_pairs_are_filtered_to_sentences_and_counted(mo_dir: Path):
    split = message_split(("alpha", "beta"), mo_dir, val_fraction=0.0, test_fraction=0.0)
    pairs = {p.en: (p.fr, p.tag) for p in split.train}
    assert pairs == {
        "Cannot open the file.": ("Impossible d'ouvrir le fichier.", "alpha"),
        "The size of the window": ("La taille de la fenêtre", "alpha"),
        "Remove the selected files from the list.": (
            "Retirer de la liste les fichiers choisis.",
            "beta",
        ),
    }
    assert split.info["catalogs"]["alpha"]["messages"] == 7
    assert split.info["catalogs"]["alpha"]["kept"] == 2
    assert split.info["catalogs"]["beta"] == {"package": None, "messages": 2, "kept": 1}


def test_catalog_split_is_a_stable_partition(mo_dir: Path):
    a = message_split(("alpha", "beta"), mo_dir, val_fraction=0.3, test_fraction=0.3)
    b = message_split(("beta", "alpha"), mo_dir, val_fraction=0.3, test_fraction=0.3)
    assert sum(a.counts().values()) == 3
    assert {p.en for p in a.test} == {p.en for p in b.test}


def test_catalog_errors_name_the_file(tmp_path: Path):
    with pytest.raises(MessageError, match=r"catalog: expected a file .*nothing\.mo"):
        read_catalog(tmp_path / "nothing.mo")
    (tmp_path / "bad.mo").write_bytes(b"not a catalog at all")
    with pytest.raises(MessageError, match=r"expected a gettext \.mo file at .*bad\.mo"):
        read_catalog(tmp_path / "bad.mo")
