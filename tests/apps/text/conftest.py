import pytest
from text_fixtures import GUTENBERG, PLAY


@pytest.fixture
def play_files() -> dict[str, bytes]:
    """Six plays (one wrapped in Gutenberg boilerplate), a Folio copy and a non-text file."""
    files = {
        f"{n}_gut.txt": PLAY.format(name=n.upper()).encode()
        for n in ("alpha", "beta", "gamma", "delta", "hamlet", "macbeth")
    }
    files["delta_gut.txt"] = GUTENBERG.format(body=PLAY.format(name="DELTA")).encode()
    files["alpha_gut_f.txt"] = b"FOLIO COPY, NOT READ\n"
    files["metadata.txt"] = b"[alpha_gut]\nurl = x\n"
    return files
