"""A sentence pair and the three splits of a corpus."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Pair", "Split"]


@dataclass(frozen=True)
class Pair:
    """English source, French reference, and a tag (the number, or the catalog it came from)."""

    en: str
    fr: str
    tag: str


@dataclass(frozen=True)
class Split:
    train: list[Pair]
    val: list[Pair]
    test: list[Pair]
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rows = {
            k: [[p.en, p.fr, p.tag] for p in getattr(self, k)] for k in ("train", "val", "test")
        }
        return {**rows, "info": self.info}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Split:
        rows = {k: [Pair(*r) for r in d[k]] for k in ("train", "val", "test")}
        return cls(**rows, info=d["info"])

    def counts(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}
