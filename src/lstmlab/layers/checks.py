"""Kept for code that imported the checks from here; they live in ``lstmlab.checks`` (below every
package, so cells, models, tasks and training can use them without importing ``layers``)."""

from lstmlab.checks import *  # noqa: F403
from lstmlab.checks import __all__  # noqa: F401
