"""The evaluation summary printed by ``evaluate``: the CTC models side by side (the full set of
numbers is in metrics.json), then the isolated-word model and the real recordings."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["print_speech_metrics"]

COLUMNS = {
    "wer": "WER greedy",
    "beam_wer": "WER beam",
    "beam_string_acc": "strings right",
    "beam_wer_en": "WER en",
    "beam_wer_fr": "WER fr",
}


def print_speech_metrics(console: Console, metrics: dict[str, Any]) -> None:
    table = Table(title="speech: connected digits, test split (unseen speakers)")
    table.add_column("model")
    for title in COLUMNS.values():
        table.add_column(title, justify="right")
    rows = {"bidirectional (the model)": metrics["model"], **metrics["baselines"]}
    for name, values in rows.items():
        table.add_row(name, *(f"{values[k]:.2%}" if k in values else "—" for k in COLUMNS))
    console.print(table)
    m = metrics["model"]
    if "word_acc" in m:
        console.print(
            f"isolated words (digits and letters, unseen speakers): accuracy {m['word_acc']:.1%} "
            f"(en {m['word_acc_en']:.1%}, fr {m['word_acc_fr']:.1%})"
        )
        real = ", ".join(
            f"{k.removeprefix('real_letter_acc_')} {v:.1%}"
            for k, v in m.items()
            if k.startswith("real_letter_acc_")
        )
        console.print(
            f"real human recordings (KLettres, {m['real_letters']} letters): accuracy "
            f"{m['real_letter_acc']:.1%} ({real}); chance 1/26 = 3.8%"
        )
    console.print("all numbers: metrics.json; confusion matrix: confusion_words.png")
