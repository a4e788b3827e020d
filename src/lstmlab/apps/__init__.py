"""The notes' applications on real data: each a subpackage with ``train``, ``evaluate`` and
``predict`` commands (``lstmlab app NAME ...``), built on the one training loop
(``lstmlab.training.fit``), the data sets of ``lstmlab.data`` and the run folders of
``lstmlab.apps.run``.

``APPS`` maps each application's name to the module that defines its click group ``group``;
the CLI imports a module only when its application is used, so heavy libraries (statsmodels,
scikit-learn, librosa) load only where they are needed.
"""

from __future__ import annotations

__all__ = ["APPS", "STUDY_TARGETS"]

APPS: dict[str, str] = {
    "forecast": "lstmlab.apps.forecast.cli",
    "sentiment": "lstmlab.apps.sentiment",
    "speech": "lstmlab.apps.speech",
    "translate": "lstmlab.apps.translate",
    "text": "lstmlab.apps.text",
}

#: Applications the variant study (``lstmlab study run --app NAME``) can train on: the name of
#: the app's config class and of its ``training(cfg) -> (problem, make_model)`` function.
STUDY_TARGETS: dict[str, tuple[str, str]] = {
    "forecast": (
        "lstmlab.apps.forecast.config:ForecastConfig",
        "lstmlab.apps.forecast.problem:training",
    ),
    "sentiment": (
        "lstmlab.apps.sentiment.config:SentimentConfig",
        "lstmlab.apps.sentiment.run:training",
    ),
}
