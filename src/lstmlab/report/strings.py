"""The framework's own words, in every language of the report (the sections bring theirs)."""

from __future__ import annotations

from lstmlab.report.part import Lang

__all__ = ["STRINGS", "say", "SECTION_NAMES", "LEVEL_NAMES"]

STRINGS: dict[str, dict[str, str]] = {
    "title": {
        "en": "The LSTM, measured on this machine",
        "fr": "Le LSTM, mesuré sur cette machine",
    },
    "lead": {
        "en": (
            "Every figure and number on this page was computed by lstmlab on the machine named "
            "below, following the order of the notes: why the plain RNN forgets, the LSTM's "
            "idea, its formulas, its variants, its applications, its modern descendants and "
            "its speed. Next to each result: the command that gives it, its seed, its date and "
            "the machine."
        ),
        "fr": (
            "Chaque figure et chaque nombre de cette page ont été calculés par lstmlab sur la "
            "machine indiquée ci-dessous, dans l'ordre du cours : pourquoi le RNN simple oublie, "
            "l'idée du LSTM, ses formules, ses variantes, ses applications, ses descendants "
            "modernes et sa vitesse. À côté de chaque résultat : la commande qui le donne, sa "
            "graine, sa date et la machine."
        ),
    },
    "contents": {"en": "Contents", "fr": "Sommaire"},
    "summary_label": {"en": "This report", "fr": "Ce rapport"},
    "summary": {
        "en": "level {level}, seed {seed}, written {date} in {seconds} on {machine}",
        "fr": "niveau {level}, graine {seed}, écrit le {date} en {seconds} sur {machine}",
    },
    "counts": {
        "en": "{parts} parts: {ran} computed in this run, {cached} read from the cache, "
        "{failed} failed",
        "fr": "{parts} parties : {ran} calculées lors de cette exécution, {cached} lues dans le "
        "cache, {failed} en échec",
    },
    "command": {"en": "command", "fr": "commande"},
    "seed": {"en": "seed", "fr": "graine"},
    "date": {"en": "date", "fr": "date"},
    "machine": {"en": "machine", "fr": "machine"},
    "duration": {"en": "computed in", "fr": "calculé en"},
    "cores": {"en": "cores", "fr": "cœurs"},
    "from_cache": {"en": "(read from the cache)", "fr": "(lu dans le cache)"},
    "this_run": {"en": "(in this run)", "fr": "(lors de cette exécution)"},
    "provenance": {"en": "Where this comes from", "fr": "D'où cela vient"},
    "part_failed": {
        "en": "This part failed: the rest of the report was still written.",
        "fr": "Cette partie a échoué : le reste du rapport a tout de même été écrit.",
    },
    "render_failed": {
        "en": "This part was computed, but drawing it failed.",
        "fr": "Cette partie a été calculée, mais son affichage a échoué.",
    },
    "section_failed": {
        "en": "This section could not be loaded, so none of its parts ran.",
        "fr": "Cette section n'a pas pu être chargée : aucune de ses parties n'a été exécutée.",
    },
    "error": {"en": "Error", "fr": "Erreur"},
    "failed_mark": {"en": "failed", "fr": "en échec"},
    "footer": {
        "en": "Written by lstmlab {version} with “{command}”. The numbers behind every figure "
        "and table are in report.json, next to this page.",
        "fr": "Écrit par lstmlab {version} avec « {command} ». Les nombres de chaque figure et "
        "de chaque tableau sont dans report.json, à côté de cette page.",
    },
    "seconds": {"en": "{n:.1f} s", "fr": "{n:.1f} s"},
    "minutes": {"en": "{m} min {s:02d} s", "fr": "{m} min {s:02d} s"},
}

#: Titles of the registered sections, for a section whose module could not be loaded.
SECTION_NAMES: dict[str, dict[str, str]] = {
    "problem": {"en": "The RNN's problem", "fr": "Le problème du RNN"},
    "idea": {"en": "The LSTM idea", "fr": "L'idée du LSTM"},
    "formulas": {"en": "The formulas", "fr": "Les formules"},
    "variants": {"en": "The variants", "fr": "Les variantes"},
    "applications": {"en": "Applications", "fr": "Applications"},
    "modern": {
        "en": "Transformers and the modern cells",
        "fr": "Les Transformers et les cellules modernes",
    },
    "performance": {"en": "Performance", "fr": "Performances"},
}

LEVEL_NAMES: dict[str, dict[str, str]] = {
    "ci": {"en": "ci (the tests' reduced budget)", "fr": "ci (budget réduit des tests)"},
    "quick": {"en": "quick", "fr": "rapide"},
    "full": {"en": "full", "fr": "complet"},
}


def say(key: str, lang: Lang, **fields: object) -> str:
    """The framework string ``key`` in ``lang``, with ``fields`` filled in."""
    text = STRINGS[key]["fr" if lang == "fr" else "en"]
    return text.format(**fields) if fields else text


def duration(seconds: float, lang: Lang) -> str:
    if seconds < 60:
        return say("seconds", lang, n=seconds)
    m, s = divmod(round(seconds), 60)
    return say("minutes", lang, m=m, s=s)
