"""The report's sections, in the order of the notes. Each module exposes ``TITLE``, ``INTRO``
(``lstmlab.report.part.Text``) and ``parts(level) -> list[Part]``."""

from __future__ import annotations

__all__ = ["SECTIONS"]

#: Section id -> module, in page order.
SECTIONS: dict[str, str] = {
    "problem": "lstmlab.report.sections.problem",  # the RNN's problem: vanishing gradients
    "idea": "lstmlab.report.sections.idea",  # the LSTM idea: gates holding "France"
    "formulas": "lstmlab.report.sections.formulas",  # each equation next to its code
    "variants": "lstmlab.report.sections.variants",  # Greff-style study
    "applications": "lstmlab.report.sections.applications",  # forecast, text, sentiment, ...
    "modern": "lstmlab.report.sections.modern",  # Transformers and the modern cells
    "performance": "lstmlab.report.sections.performance",  # lstmlab vs torch.nn here
}
