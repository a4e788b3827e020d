"""The one module of input checks (``lstmlab.checks``) that every package uses."""

import pickle

import numpy as np
import pytest

from lstmlab.checks import ArgumentError, ArgumentTypeError, check_choice, check_int


def test_a_wrong_type_is_a_type_error_and_a_value_error_naming_the_argument():
    with pytest.raises(ArgumentTypeError) as info:
        check_int("hidden_size", 4.0, 1)
    err = info.value
    assert isinstance(err, TypeError) and isinstance(err, ValueError)
    assert err.argument == "hidden_size"
    assert str(err) == "hidden_size: expected an int >= 1, got float 4.0"


def test_a_bad_value_is_a_value_error_only():
    with pytest.raises(ArgumentError) as info:
        check_int("lag", 1, 2, why="one marker in each half")
    assert not isinstance(info.value, TypeError) and info.value.argument == "lag"
    assert str(info.value) == "lag: expected an integer >= 2 (one marker in each half), got 1"


def test_integral_numbers_are_ints_and_bools_are_not():
    assert check_int("n", np.int64(3), 1) == 3 and type(check_int("n", np.int64(3), 1)) is int
    with pytest.raises(TypeError, match="got bool True"):
        check_int("n", True, 0)


def test_errors_survive_pickling_with_their_argument():
    """Workers (study, DDP) send errors across processes."""
    with pytest.raises(ArgumentError) as info:
        check_choice("sampler", "grid", ("random", "tpe"))
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is ArgumentError and again.argument == "sampler"
    assert str(again) == "sampler: expected one of random, tpe, got 'grid'"
