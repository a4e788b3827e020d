"""The formulas: each equation of the LSTM (and of the GRU and the RNN it is compared with)
next to the lines of lstmlab that compute it, read from lstmlab's own source when the report
runs (``inspect`` and ``ast``), never copied: if the code changes, the page shows the new code.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lstmlab
from lstmlab.cells.gru import gru_step
from lstmlab.cells.lstm import lstm_step
from lstmlab.cells.rnn import rnn_step
from lstmlab.report import part
from lstmlab.report.part import Lang, Text, pick

TITLE: Text = {
    "en": "The formulas, and the code that computes them",
    "fr": "Les formules, et le code qui les calcule",
}
INTRO: Text = {
    "en": (
        "Each equation of the notes next to the lines of lstmlab that compute it. The code is "
        "read from lstmlab's own source files when the report is written (not copied into "
        "it), so what you see is what runs: the same step function serves the layers, the "
        "tests of the fused kernel and every experiment on this page."
    ),
    "fr": (
        "Chaque équation du cours à côté des lignes de lstmlab qui la calculent. Le code est "
        "lu dans les fichiers source de lstmlab au moment où le rapport est écrit (il n'y est "
        "pas recopié) : ce que vous voyez est ce qui s'exécute. La même fonction de pas sert "
        "aux couches, aux tests du noyau fusionné et à chaque expérience de cette page."
    ),
}


# Each equation: the symbols whose assignments compute it (a statement is shown once, with the
# first equation that names one of its symbols), the equation, and what it says.
EQUATIONS: dict[str, list[dict[str, Any]]] = {
    "lstm": [
        {
            "symbols": ["z", "r"],
            "equation": "z_t = W·[h_{t−1}, x_t] + b   (z_f, z_i, z_g, z_o: one block per gate)",
            "en": "The four pre-activations come from one matrix product of the input and the "
            "previous output (with FGR, the previous gate values feed back too).",
            "fr": "Les quatre pré-activations viennent d'un seul produit matriciel de l'entrée "
            "et de la sortie précédente (avec FGR, les valeurs précédentes des portes aussi).",
        },
        {
            "symbols": ["p", "pre"],
            "equation": "z_k + p_k ⊙ c   (peephole connections, k ∈ {f, i, o})",
            "en": "Peepholes (Gers & Schmidhuber 2000) let the gates see the cell state; "
            "without them p_k = 0.",
            "fr": "Les « peepholes » (Gers & Schmidhuber 2000) laissent les portes voir l'état "
            "de la cellule ; sans elles, p_k = 0.",
        },
        {
            "symbols": ["f"],
            "equation": "f_t = σ(z_f + p_f ⊙ c_{t−1})",
            "en": "The forget gate: how much of the old cell state to keep.",
            "fr": "La porte d'oubli : quelle part de l'ancien état de la cellule garder.",
        },
        {
            "symbols": ["i"],
            "equation": "i_t = σ(z_i + p_i ⊙ c_{t−1})   (CIFG: i_t = 1 − f_t)",
            "en": "The input gate: how much of the candidate to write.",
            "fr": "La porte d'entrée : quelle part du candidat écrire.",
        },
        {
            "symbols": ["g"],
            "equation": "c̃_t = tanh(z_g)",
            "en": "The candidate value (g in the code, as in torch.nn.LSTM).",
            "fr": "La valeur candidate (g dans le code, comme dans torch.nn.LSTM).",
        },
        {
            "symbols": ["c"],
            "equation": "c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t",
            "en": "The cell state: the additive path along which the gradient can travel far "
            "back without vanishing while f_t ≈ 1.",
            "fr": "L'état de la cellule : le chemin additif le long duquel le gradient peut "
            "remonter loin sans s'évanouir tant que f_t ≈ 1.",
        },
        {
            "symbols": ["o"],
            "equation": "o_t = σ(z_o + p_o ⊙ c_t)",
            "en": "The output gate: how much of the cell to show.",
            "fr": "La porte de sortie : quelle part de la cellule montrer.",
        },
        {
            "symbols": ["h"],
            "equation": "h_t = o_t ⊙ tanh(c_t)   (projection: h_t = W_hr·h_t)",
            "en": "The output, read by the next step and by the layer above.",
            "fr": "La sortie, lue par le pas suivant et par la couche au-dessus.",
        },
    ],
    "gru": [
        {
            "symbols": ["a_r", "W_hr", "b_hr", "r"],
            "equation": "r_t = σ(W_ir·x_t + b_ir + W_hr·h_{t−1} + b_hr)",
            "en": "The reset gate.",
            "fr": "La porte de réinitialisation.",
        },
        {
            "symbols": ["z"],
            "equation": "z_t = σ(W_iz·x_t + b_iz + W_hz·h_{t−1} + b_hz)",
            "en": "The update gate.",
            "fr": "La porte de mise à jour.",
        },
        {
            "symbols": ["n"],
            "equation": "n_t = tanh(W_in·x_t + b_in + r_t ⊙ (W_hn·h_{t−1} + b_hn))",
            "en": "The candidate (reset applied after the product, as torch and cuDNN; Cho et "
            "al. 2014 apply it before).",
            "fr": "Le candidat (réinitialisation appliquée après le produit, comme torch et "
            "cuDNN ; Cho et al. 2014 l'appliquent avant).",
        },
        {
            "symbols": ["h"],
            "equation": "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}",
            "en": "The new state: a convex mix of the candidate and the old state.",
            "fr": "Le nouvel état : un mélange convexe du candidat et de l'ancien état.",
        },
    ],
    "rnn": [
        {
            "symbols": ["a", "return"],
            "equation": "h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh)",
            "en": "The plain RNN: the state is rewritten through a matrix and a squashing "
            "function at every step, which is why its gradient shrinks (or explodes) "
            "geometrically with distance.",
            "fr": "Le RNN simple : l'état est réécrit à travers une matrice et une fonction "
            "d'écrasement à chaque pas ; c'est pourquoi son gradient décroît (ou explose) "
            "géométriquement avec la distance.",
        },
    ],
}

FUNCTIONS: dict[str, Callable[..., Any]] = {"lstm": lstm_step, "gru": gru_step, "rnn": rnn_step}

TITLES: dict[str, Text] = {
    "lstm": {"en": "The LSTM step", "fr": "Le pas du LSTM"},
    "gru": {"en": "The GRU step", "fr": "Le pas du GRU"},
    "rnn": {"en": "The plain RNN step", "fr": "Le pas du RNN simple"},
}


def _source(function: Callable[..., Any]) -> tuple[str, int, str]:
    """(source, first line, file relative to the package's parent) of ``function``."""
    lines, start = inspect.getsourcelines(function)
    path = Path(inspect.getsourcefile(function) or "")
    try:
        shown = path.relative_to(Path(lstmlab.__file__).parent.parent).as_posix()
    except ValueError:
        shown = path.name
    return "".join(lines), start, shown


def _stored(statement: ast.stmt) -> set[str]:
    """Names a statement assigns (also through a subscript), defines, or "return"."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name):
                names.add(node.value.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Return):
            names.add("return")
    return names


def equations_with_code(cell: str) -> dict[str, Any]:
    """Each equation of ``cell`` with the statements of its step function that compute it."""
    function = FUNCTIONS[cell]
    source, start, path = _source(function)
    text = textwrap.dedent(source)
    (definition,) = ast.parse(text).body
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    text_lines = text.splitlines()
    shown: set[int] = set()
    rows = []
    for eq in EQUATIONS[cell]:
        pieces, first, last = [], None, None
        for k, statement in enumerate(body):
            if k in shown or not _stored(statement) & set(eq["symbols"]):
                continue
            shown.add(k)
            end = statement.end_lineno or statement.lineno
            pieces.append("\n".join(text_lines[statement.lineno - 1 : end]))
            first = statement.lineno if first is None else first
            last = end
        if not pieces:
            raise ValueError(
                f"{function.__module__}.{function.__name__}: expected statements assigning "
                f"{eq['symbols']} (the equation {eq['equation']!r}), found none; update "
                "lstmlab/report/sections/formulas.py to the code"
            )
        rows.append(
            {
                "equation": eq["equation"],
                "en": eq["en"],
                "fr": eq["fr"],
                "code": textwrap.dedent("\n".join(pieces)),
                "file": path,
                "first_line": start + first - 1,
                "last_line": start + last - 1,
            }
        )
    return {
        "function": f"{function.__module__}.{function.__name__}",
        "file": path,
        "line": start,
        "statements": len(body),
        "shown": len(shown),
        "rows": rows,
    }


def _render(cell: str) -> Callable[[dict[str, Any], Lang], list[part.Block]]:
    def render(data: dict[str, Any], lang: Lang) -> list[part.Block]:
        blocks: list[part.Block] = [
            part.Paragraph(
                pick(
                    lang,
                    en=f"From {data['function']} ({data['file']}, line {data['line']}): "
                    f"{data['shown']} of its {data['statements']} statements, each under the "
                    "equation it computes.",
                    fr=f"Tiré de {data['function']} ({data['file']}, ligne {data['line']}) : "
                    f"{data['shown']} de ses {data['statements']} instructions, chacune sous "
                    "l'équation qu'elle calcule.",
                )
            )
        ]
        for row in data["rows"]:
            lines = (
                f"{row['first_line']}"
                if row["first_line"] == row["last_line"]
                else f"{row['first_line']}–{row['last_line']}"
            )
            where = (
                pick(lang, en="lines", fr="lignes")
                if "–" in lines
                else pick(lang, en="line", fr="ligne")
            )
            blocks += [
                part.Paragraph(row[lang]),
                part.Equation(row["equation"]),
                part.Code(row["code"], caption=f"{row['file']}, {where} {lines}"),
            ]
        return blocks

    return render


def parts(level: part.Level) -> list[part.Part]:
    """One part per cell; the same at every level (reading source costs nothing)."""
    out = []
    for cell, function in FUNCTIONS.items():
        source, _, path = _source(function)
        name = f"{function.__module__}.{function.__name__}"
        out.append(
            part.Part(
                section="formulas",
                name=cell,
                # The source's hash: the cached page follows the code when it changes.
                config={
                    "function": name,
                    "source_sha256": hashlib.sha256(source.encode("utf-8")).hexdigest(),
                },
                compute=lambda ctx, cell=cell: equations_with_code(cell),
                render=_render(cell),
                command=(
                    f'python -c "import inspect, {function.__module__} as m; '
                    f'print(inspect.getsource(m.{function.__name__}))"'
                ),
                title=TITLES[cell],
            )
        )
    return out
