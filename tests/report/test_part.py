"""The blocks' constructors: a figure in the page's language."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure as MplFigure

from lstmlab.report.part import Figure, figure


def _fig() -> MplFigure:
    fig = MplFigure(figsize=(2, 1.5))
    fig.subplots().plot([0, 1, 2], [1, 0, 1])
    return fig


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_figure_draws_the_png_and_says_caption_and_alt_in_the_language(lang):
    block = figure(
        _fig(),
        lang,
        caption={"en": "A line", "fr": "Une ligne"},
        alt={"en": "line", "fr": "ligne"},
    )
    assert isinstance(block, Figure) and block.png.startswith(b"\x89PNG")
    assert (block.caption, block.alt) == (
        ("A line", "line") if lang == "en" else ("Une ligne", "ligne")
    )


def test_figure_names_the_text_missing_a_language():
    with pytest.raises(ValueError, match="alt"):
        figure(_fig(), "en", caption={"en": "A line", "fr": "Une ligne"}, alt={"en": "line"})
