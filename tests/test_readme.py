"""The README's code runs, and its Quick start is what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "the README should show code"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_quick_start_has_two_commands_and_ci_runs_the_test_one():
    start = README.index("## Quick start")
    section = README[start : README.index("\n## ", start + 1)]
    commands = re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands), commands
    assert "lstmlab reproduce" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()
