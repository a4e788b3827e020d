"""Fake sections for the runner's tests: modules made on the fly and registered under names the
runner imports, so the framework is tested apart from the real sections' experiments."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from lstmlab.report import run as run_module
from lstmlab.report.part import Code, Equation, Figure, Heading, Paragraph, Part, Table, pick


def png() -> bytes:
    from matplotlib.figure import Figure as MplFigure

    from lstmlab.report.part import figure_png

    fig = MplFigure(figsize=(2, 1.5))
    fig.subplots().plot([0, 1, 2], [1, 0, 1])
    return figure_png(fig, dpi=50)


def render_all(data: dict[str, Any], lang: str) -> list:
    return [
        Heading(pick(lang, en="Result", fr="Résultat")),
        Paragraph(
            pick(lang, en=f"The value is {data['value']}.", fr=f"La valeur est {data['value']}.")
        ),
        Figure(png(), caption=pick(lang, en="A line", fr="Une ligne"), alt="line"),
        Table(["x", "y"], [["1", str(data["value"])]], caption="t"),
        Equation("c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t"),
        Code("c = f * c + i * g", caption="cells/lstm.py"),
    ]


class Counter:
    """compute functions that count their calls and can be told to fail."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.fail: set[str] = set()
        self.interrupt: set[str] = set()

    def compute(self, name: str, value: float) -> Callable[[Any], dict[str, Any]]:
        def compute(ctx) -> dict[str, Any]:
            self.calls[name] = self.calls.get(name, 0) + 1
            ctx.progress(f"computing {name}")
            if name in self.interrupt:
                raise KeyboardInterrupt
            if name in self.fail:
                raise RuntimeError(f"{name} broke on purpose")
            return {"value": value, "seed": ctx.seed, "level": ctx.level}

        return compute


@pytest.fixture
def fake_sections(monkeypatch):
    """make(sections={id: [(name, value, config), ...]}, missing=[ids]) registers fake section
    modules (and missing ones) and returns the Counter their parts use."""
    counter = Counter()

    def make(sections: dict[str, list[tuple[str, float, dict]]], missing=()) -> Counter:
        registry = {}
        for sid, specs in sections.items():
            name = f"_lstmlab_fake_section_{sid}"
            module = types.ModuleType(name)
            module.TITLE = {"en": f"Section {sid}", "fr": f"Partie {sid}"}
            module.INTRO = {"en": "An English introduction.", "fr": "Une introduction en français."}

            def parts(level, sid=sid, specs=specs):
                return [
                    Part(
                        section=sid,
                        name=pname,
                        config=config,
                        compute=counter.compute(pname, value),
                        render=render_all,
                        command=f"lstmlab train --fake {pname}",
                        title={"en": f"Part {pname}", "fr": f"Partie {pname}"},
                    )
                    for pname, value, config in specs
                ]

            module.parts = parts
            monkeypatch.setitem(sys.modules, name, module)
            registry[sid] = name
        for sid in missing:
            registry[sid] = f"_lstmlab_fake_section_{sid}_not_there"
        monkeypatch.setattr(run_module, "SECTIONS", registry)
        return counter

    return make
