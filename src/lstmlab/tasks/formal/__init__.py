"""The formal-language tasks of Delétang et al. (2023), "Neural Networks and the Chomsky
Hierarchy", with their length-generalisation protocol (``base``): train on lengths 1–40, test
on 41–500."""

from __future__ import annotations

from lstmlab.tasks.formal.base import FormalTask
from lstmlab.tasks.formal.context_free import ReverseString, StackManipulation
from lstmlab.tasks.formal.context_sensitive import BucketSort, DuplicateString
from lstmlab.tasks.formal.regular import CycleNavigation, EvenPairs, ModularArithmetic, ParityCheck

#: In the paper's order: regular, deterministic context-free, context-sensitive.
FORMAL_TASKS: dict[str, type[FormalTask]] = {
    cls.name: cls
    for cls in (
        ParityCheck,
        ModularArithmetic,
        EvenPairs,
        CycleNavigation,
        ReverseString,
        StackManipulation,
        DuplicateString,
        BucketSort,
    )
}

__all__ = [
    "FORMAL_TASKS",
    "FormalTask",
    "BucketSort",
    "CycleNavigation",
    "DuplicateString",
    "EvenPairs",
    "ModularArithmetic",
    "ParityCheck",
    "ReverseString",
    "StackManipulation",
]
