"""A lower layer of lstmlab never imports a higher one (read from the source, every import
statement, including the ones inside functions and under TYPE_CHECKING)."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lstmlab"

#: The layers, lowest first. A module may import its own unit and any unit of a lower layer. The
#: last layer holds the entry points, which may import each other (``lstmlab reproduce`` runs
#: the CLI; the CLI offers ``reproduce``). "lstmlab" is the package's front (``import lstmlab``,
#: ``lstmlab.LSTM``). The CLI is two units: "cli.options" (the options generated from the
#: configs, the shared options and tables), which the applications' own commands use, and "cli"
#: (the lab's commands and ``cli.main``, which mounts the applications and the study). The study
#: sits above the applications: it trains its trials on their data sets.
LAYERS: list[tuple[str, ...]] = [
    ("files",),
    ("checks", "data", "fields"),
    ("cells",),
    ("kernels",),
    ("layers",),
    ("serialization",),
    ("lstmlab",),
    ("models", "bench"),
    ("tasks",),
    ("training",),
    ("diagnostics",),
    ("cli.options",),
    ("apps",),
    ("study",),
    ("cli", "report", "__main__"),
]
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}
TOP = len(LAYERS) - 1


#: The modules of the unit "cli.options" (the rest of lstmlab.cli is the unit "cli").
CLI_OPTIONS = ("", "dataclass_options", "distributed", "options", "tables")


def _unit(module: str) -> str:
    """The layer unit of a dotted module name below lstmlab ("lstmlab.cli.options" ->
    "cli.options")."""
    parts = module.split(".")[1:]
    if not parts:
        return "lstmlab"
    if parts[0] == "cli":
        return "cli.options" if ".".join(parts[1:]) in CLI_OPTIONS else "cli"
    return parts[0]


def _module_of(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute lstmlab import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
            found += [(node.lineno, n) for n in names if n.split(".")[0] == "lstmlab"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "lstmlab":
                # ``from lstmlab import kernels`` imports the subpackage, ``LSTM`` the front.
                for a in node.names:
                    sub = SRC / a.name
                    is_module = sub.is_dir() or sub.with_suffix(".py").exists()
                    found.append((node.lineno, f"lstmlab.{a.name}" if is_module else "lstmlab"))
            elif node.module.split(".")[0] == "lstmlab":
                found.append((node.lineno, node.module))
    return found


FILES = sorted(SRC.rglob("*.py"))


def test_every_unit_has_a_layer():
    units = {_unit(_module_of(f)) for f in FILES}
    unplaced = sorted(units - LEVEL.keys())
    assert not unplaced, f"place these in tests/test_layering.py LAYERS: {unplaced}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_lower_layer_imports_a_higher_one(path):
    source = _unit(_module_of(path))
    if source not in LEVEL:
        pytest.skip("not placed yet: test_every_unit_has_a_layer fails for it")
    wrong = []
    for line, module in _imports(path):
        target = _unit(module)
        if target == source or LEVEL.get(target, TOP + 1) < LEVEL[source]:
            continue
        if LEVEL.get(target) == LEVEL[source] == TOP:
            continue
        wrong.append(f"line {line}: {source} imports {module} ({target})")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_violation(tmp_path):
    """The rule is not vacuous: a cell importing a layer is caught by ``_imports``/``_unit``."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from lstmlab.layers.base import RNNBase\n")
    ((line, module),) = _imports(bad)
    assert line == 2 and LEVEL[_unit(module)] > LEVEL["cells"]
