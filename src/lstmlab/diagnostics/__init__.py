"""Why the LSTM remembers: gradient flow through the recurrence and gate traces."""

from lstmlab.diagnostics.gates import gate_traces
from lstmlab.diagnostics.gradient_flow import GradientFlow, fit_decay, gradient_flow
from lstmlab.diagnostics.run import Diagnosis, diagnose
from lstmlab.diagnostics.unroll import unroll

__all__ = [
    "Diagnosis",
    "GradientFlow",
    "diagnose",
    "fit_decay",
    "gate_traces",
    "gradient_flow",
    "unroll",
]
