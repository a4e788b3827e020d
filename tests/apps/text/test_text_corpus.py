import pytest
from text_fixtures import GUTENBERG, PLAY, make_archive

from lstmlab.apps.text.corpus import (
    CorpusError,
    read_archive,
    read_folder,
    split_by_work,
    strip_gutenberg,
)
from lstmlab.apps.text.vocab import Vocabulary


def test_archive_reads_only_the_gut_texts_and_strips_boilerplate(tmp_path, play_files):
    make_archive(tmp_path / "a.tar.gz", play_files)
    works = read_archive(tmp_path / "a.tar.gz")
    assert [w.name for w in works] == ["alpha", "beta", "delta", "gamma", "hamlet", "macbeth"]
    delta = next(w for w in works if w.name == "delta")
    assert delta.text == PLAY.format(name="DELTA")  # header and licence gone, body intact
    assert all("Gutenberg" not in w.text and "FOLIO" not in w.text for w in works)


def test_strip_gutenberg_leaves_plain_text_alone():
    assert strip_gutenberg("Line one.\nLine two.\n") == "Line one.\nLine two.\n"
    old = (
        "SMALL PRINT blah\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\nBody\n"
    )
    assert strip_gutenberg(old) == "Body\n"
    assert strip_gutenberg(GUTENBERG.format(body="Body")) == "Body\n"


def test_split_holds_out_whole_named_works(tmp_path, play_files):
    make_archive(tmp_path / "a.tar.gz", play_files)
    corpus = split_by_work(read_archive(tmp_path / "a.tar.gz"), ["macbeth"], ["hamlet", "beta"])
    assert corpus.works == {
        "train": ["alpha", "delta", "gamma"],
        "val": ["macbeth"],
        "test": ["hamlet", "beta"],
    }
    assert "HAMLET" in corpus.test and "HAMLET" not in corpus.train + corpus.val
    assert "BETA" in corpus.test and "MACBETH" in corpus.val


def test_split_names_unknown_and_overlapping_works(tmp_path, play_files):
    make_archive(tmp_path / "a.tar.gz", play_files)
    works = read_archive(tmp_path / "a.tar.gz")
    with pytest.raises(CorpusError, match=r"val_works: expected names .* got \['lear'\]"):
        split_by_work(works, ["lear"], ["hamlet"])
    with pytest.raises(CorpusError, match=r"disjoint lists, got \['hamlet'\]"):
        split_by_work(works, ["hamlet"], ["hamlet"])


def test_empty_and_non_utf8_text_are_refused_by_name(tmp_path, play_files):
    make_archive(tmp_path / "empty.tar.gz", {**play_files, "beta_gut.txt": b"  \n\n"})
    with pytest.raises(CorpusError, match=r"beta_gut.txt: expected non-empty text"):
        read_archive(tmp_path / "empty.tar.gz")
    latin1 = "Ros\xe9 said: adieu\n".encode("latin-1")
    make_archive(tmp_path / "latin.tar.gz", {**play_files, "beta_gut.txt": latin1})
    with pytest.raises(
        CorpusError, match=r"beta_gut.txt: expected UTF-8 text, got byte 0xe9 at offset 3"
    ):
        read_archive(tmp_path / "latin.tar.gz")
    only_header = GUTENBERG.format(body="").encode()
    make_archive(tmp_path / "hdr.tar.gz", {**play_files, "beta_gut.txt": only_header})
    with pytest.raises(CorpusError, match=r"expected text besides Project Gutenberg's header"):
        read_archive(tmp_path / "hdr.tar.gz")


def test_user_folder_and_single_file(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    for n in ("a", "b", "c"):
        (folder / f"{n}.txt").write_text(f"work {n}\r\nline two\r\n")
    works = read_folder(folder)
    assert [w.name for w in works] == ["a", "b", "c"]
    assert works[0].text == "work a\nline two\n"  # universal newlines
    corpus = split_by_work(works)
    assert corpus.works == {"train": ["a"], "val": ["b"], "test": ["c"]}
    single = tmp_path / "book.txt"
    single.write_text("".join(f"line {k}\n" for k in range(100)))
    parts = read_folder(single)
    assert len(parts) == 20 and "".join(p.text for p in parts) == single.read_text()
    (tmp_path / "none").mkdir()
    with pytest.raises(CorpusError, match=r"corpus: expected \.txt files"):
        read_folder(tmp_path / "none")
    with pytest.raises(CorpusError, match=r"expected at least 3 works"):
        split_by_work(works[:2])


def test_vocabulary_round_trip_and_unknown_characters():
    vocab = Vocabulary.of("to be or not", "To BE!")
    ids = vocab.encode("not to be")
    assert vocab.decode(ids.tolist()) == "not to be"
    assert Vocabulary.from_json(vocab.to_json()).chars == vocab.chars
    with pytest.raises(
        ValueError,
        match=r"prompt: .* got 2 it never saw: 'é' \(U\+00E9 LATIN SMALL LETTER E WITH ACUTE\), "
        r"'z'",
    ):
        vocab.encode("é to bez", name="prompt")
