"""The one training loop, its config, checkpoints and the grid of runs built on it."""

from lstmlab.training.config import SCHEDULES, LoopConfig, TrainConfig
from lstmlab.training.evaluate import evaluate, predict, task_loss
from lstmlab.training.grid import grid_configs, run_grid, summarize, write_results
from lstmlab.training.loop import RunFolderError, fit, load_trained, read_run_config, train
from lstmlab.training.problem import Carry, Problem, TaskProblem
from lstmlab.training.result import RunResult

__all__ = [
    "SCHEDULES",
    "Carry",
    "LoopConfig",
    "Problem",
    "TaskProblem",
    "fit",
    "RunFolderError",
    "RunResult",
    "TrainConfig",
    "evaluate",
    "grid_configs",
    "load_trained",
    "predict",
    "read_run_config",
    "run_grid",
    "summarize",
    "task_loss",
    "train",
    "write_results",
]
