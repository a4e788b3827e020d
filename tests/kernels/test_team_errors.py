"""An exception inside the kernels' persistent thread team (csrc/team.h) must reach Python as a
RuntimeError, not terminate the process (an exception leaving an OpenMP region calls
std::terminate), and the other threads must leave their barrier instead of waiting forever.
``torch.ops.lstmlab._team_check`` runs the team on a dummy recurrence with one barrier per step
and fails one thread at one step; the same ``team()`` runs every fused kernel's recurrence."""

from __future__ import annotations

import pytest
import torch

from lstmlab.kernels import build

pytestmark = pytest.mark.skipif(not build.available(), reason="the fused kernels are unavailable")

CPU = torch.empty(0)


def _check(threads: int, steps: int, fail_thread: int, fail_step: int) -> int:
    return torch.ops.lstmlab._team_check(CPU, threads, steps, fail_thread, fail_step)


@pytest.mark.parametrize("fail_thread", [0, 1])
@pytest.mark.parametrize("fail_step", [0, 7, 99])
def test_an_error_in_one_thread_is_raised_after_the_team(fail_thread, fail_step):
    ran = _check(2, 100, -1, -1)  # nobody fails: every thread passes 100 barriers
    if fail_thread >= ran:
        pytest.skip(f"OpenMP granted {ran} thread(s), thread {fail_thread} does not exist")
    with pytest.raises(RuntimeError, match=f"thread {fail_thread} failed at step {fail_step}"):
        _check(2, 100, fail_thread, fail_step)
    assert _check(2, 100, -1, -1) == ran  # the process and the next team are unharmed


def test_an_error_on_a_one_thread_team_is_raised():
    with pytest.raises(RuntimeError, match="thread 0 failed at step 3"):
        _check(1, 10, 0, 3)
    assert _check(1, 10, -1, -1) == 1
