"""The variant study of Greff et al. 2015 ("LSTM: A Search Space Odyssey"), on Optuna.

``run`` samples variant × hyperparameters at random (``space``), trains each trial with the one
training loop in its own run folder, and records the test metric in an Optuna study (SQLite in
the run folder, or PostgreSQL for many machines); ``report`` reads a study back and gives the
per-variant distributions, Welch's t-tests against the baseline variant, fANOVA importances and
a verdict table next to the paper's.
"""

from lstmlab.study.space import GREFF_VERDICTS, SearchSpace
from lstmlab.study.worker import StudySettings, run_worker

__all__ = ["GREFF_VERDICTS", "SearchSpace", "StudySettings", "run_worker"]
