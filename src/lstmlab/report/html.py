"""The page: ``OUT/index.html``, self-contained (figures as data: URIs, inline CSS, no script,
nothing fetched), and ``OUT/report.json`` with every part's data and provenance.

Every string on the page is in the page's language: the sections' prose and figures come from
their ``render(data, lang)``, the framework's words from ``lstmlab.report.strings``.
"""

from __future__ import annotations

import base64
import html
import json
import traceback
from pathlib import Path
from typing import Any

from lstmlab import __version__
from lstmlab.checks import check_choice
from lstmlab.report import part
from lstmlab.report.machine import describe_machine
from lstmlab.report.part import LANGS, Lang
from lstmlab.report.run import PartRun, ReportRun, SectionRun, now_utc
from lstmlab.report.strings import LEVEL_NAMES, SECTION_NAMES, duration, say
from lstmlab.training.atomic import write_text_atomic

__all__ = ["write_report", "render_page", "report_json", "INDEX", "JSON"]

INDEX = "index.html"
JSON = "report.json"

CSS = """
:root { --ink: #1d232b; --muted: #5b6570; --rule: #d8dde3; --accent: #1f5fa8;
  --paper: #fdfdfb; --tint: #f3f5f7; --bad: #a3262a; --bad-tint: #fbeeee; }
* { box-sizing: border-box; }
html { font-size: 17px; }
body { margin: 0; background: var(--paper); color: var(--ink);
  font-family: Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, "DejaVu Serif",
  serif; line-height: 1.6; }
main, header.page, footer.page, nav.toc { max-width: 50rem; margin: 0 auto; padding: 0 1.25rem; }
header.page { padding-top: 2.5rem; }
h1, h2, h3, h4, h5, h6, nav.toc, .provenance, figcaption, table, .failure summary, .lead small {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .5rem; }
h2 { font-size: 1.5rem; margin: 3rem 0 .5rem; padding-top: 1rem; border-top: 2px solid var(--ink); }
h3 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
h4, h5, h6 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
p { margin: .6rem 0; }
.lead { color: var(--muted); }
.summary { font-size: .85rem; color: var(--muted); border-left: 3px solid var(--rule);
  padding-left: .75rem; margin-top: 1rem; }
nav.toc { margin-top: 1.5rem; }
nav.toc h2 { font-size: 1rem; border: 0; margin: 0 0 .25rem; padding: 0; text-transform: uppercase;
  letter-spacing: .06em; color: var(--muted); }
nav.toc ol { margin: 0; padding-left: 1.4rem; }
nav.toc ol ol { font-size: .9rem; color: var(--muted); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
figure { margin: 1rem 0; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto;
  border: 1px solid var(--rule); background: white; }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .35rem; }
table { border-collapse: collapse; font-size: .85rem; margin: 1rem 0; width: 100%;
  font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: .3rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
th { border-bottom: 2px solid var(--ink); }
.table-wrap { overflow-x: auto; }
pre { background: var(--tint); padding: .6rem .8rem; overflow-x: auto; font-size: .8rem;
  line-height: 1.45; border-radius: 4px; margin: 0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.code-caption { font-size: .8rem; color: var(--muted); margin: .2rem 0 .8rem; }
.equation { font-family: "STIX Two Math", "Cambria Math", "DejaVu Serif", serif;
  font-size: 1.1rem; padding: .5rem .8rem; margin: .6rem 0; background: white;
  border-left: 3px solid var(--accent); white-space: pre-wrap; }
.pair { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 1rem;
  align-items: start; margin: .8rem 0; }
.pair .equation { margin: 0; }
@media (max-width: 44rem) { .pair { grid-template-columns: 1fr; } }
.provenance { font-size: .75rem; color: var(--muted); background: var(--tint);
  border-radius: 4px; padding: .4rem .7rem; margin: .8rem 0 1.5rem; }
.provenance dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem;
  margin: 0; }
.provenance dt { font-weight: 600; }
.provenance dd { margin: 0; overflow-wrap: anywhere; }
.failure { border: 2px solid var(--bad); background: var(--bad-tint); border-radius: 4px;
  padding: .6rem .8rem; margin: 1rem 0; }
.failure strong { color: var(--bad); }
.failure pre { background: white; margin-top: .5rem; }
.mark-failed { color: var(--bad); font-weight: 600; }
footer.page { margin-top: 3rem; padding-bottom: 3rem; border-top: 1px solid var(--rule);
  font-size: .8rem; color: var(--muted); }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(text: Any, lang: Lang) -> str:
    """A ``Text`` ({"en", "fr"}) in ``lang`` (English if that language is missing)."""
    if isinstance(text, str):
        return text
    if not text:
        return ""
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")


def section_title(section: SectionRun, lang: Lang) -> str:
    module = section.plan.module
    title = _text(getattr(module, "TITLE", None), lang) if module is not None else ""
    return title or _text(SECTION_NAMES.get(section.id, {}), lang) or section.id


def part_title(run: PartRun, lang: Lang) -> str:
    return _text(run.part.title, lang) or run.part.name


def _part_anchor(run: PartRun) -> str:
    return f"{run.part.section}-{run.part.name}"


# ------------------------------------------------------------------------------------ blocks


def _block(block: part.Block) -> str:
    if isinstance(block, part.Heading):
        level = min(6, max(4, block.level + 1))  # a part's title is h3; its headings below it
        return f"<h{level}>{_e(block.text)}</h{level}>"
    if isinstance(block, part.Paragraph):
        return f"<p>{_e(block.text)}</p>"
    if isinstance(block, part.Figure):
        uri = "data:image/png;base64," + base64.b64encode(block.png).decode("ascii")
        caption = f"<figcaption>{_e(block.caption)}</figcaption>" if block.caption else ""
        return f'<figure><img src="{uri}" alt="{_e(block.alt)}">{caption}</figure>'
    if isinstance(block, part.Table):
        head = "".join(f"<th>{_e(c)}</th>" for c in block.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in block.rows
        )
        caption = f"<caption>{_e(block.caption)}</caption>" if block.caption else ""
        return (
            f'<div class="table-wrap"><table>{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
    if isinstance(block, part.Code):
        caption = f'<div class="code-caption">{_e(block.caption)}</div>' if block.caption else ""
        return f"<div><pre><code>{_e(block.text)}</code></pre>{caption}</div>"
    if isinstance(block, part.Equation):
        return f'<div class="equation">{_e(block.text)}</div>'
    raise TypeError(f"block: expected one of lstmlab.report.part's blocks, got {block!r:.80}")


def render_blocks(blocks: list[part.Block]) -> str:
    """Blocks as HTML; an Equation followed by Code is laid out side by side (the formula next
    to the code that computes it)."""
    out, k = [], 0
    while k < len(blocks):
        block = blocks[k]
        if (
            isinstance(block, part.Equation)
            and k + 1 < len(blocks)
            and isinstance(blocks[k + 1], part.Code)
        ):
            out.append(f'<div class="pair">{_block(block)}{_block(blocks[k + 1])}</div>')
            k += 2
            continue
        out.append(_block(block))
        k += 1
    return "\n".join(out)


# ------------------------------------------------------------------------------------- parts


def _failure(message: str, error: str, lang: Lang) -> str:
    return (
        f'<div class="failure" role="alert"><strong>{_e(message)}</strong>'
        f"<div>{_e(say('error', lang))}: {_e(error.splitlines()[-1])}</div>"
        f"<pre>{_e(error)}</pre></div>"
    )


def _provenance(run: PartRun, lang: Lang) -> str:
    meta = run.meta or {}
    date = str(meta.get("date", "")).replace("T", " ").replace("+00:00", " UTC")
    when = f"{date} {say('from_cache' if run.cached else 'this_run', lang)}"
    rows = [
        (say("command", lang), f"<code>{_e(meta.get('command', run.part.command))}</code>"),
        (say("seed", lang), _e(meta.get("seed", ""))),
        (say("date", lang), _e(when)),
        (say("machine", lang), _e(describe_machine(meta["machine"], say("cores", lang)))),
        (say("duration", lang), _e(duration(float(meta.get("seconds", 0.0)), lang))),
    ]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    label = _e(say("provenance", lang))
    return f'<aside class="provenance" aria-label="{label}"><dl>{items}</dl></aside>'


def render_part(run: PartRun, lang: Lang) -> tuple[str, str | None]:
    """The part's HTML and its render error (None if it rendered)."""
    title = f'<h3 id="{_e(_part_anchor(run))}">{_e(part_title(run, lang))}</h3>'
    if run.error is not None:
        command = f"<p><code>{_e(run.part.command)}</code></p>"
        return title + _failure(say("part_failed", lang), run.error, lang) + command, run.error
    try:
        blocks = run.part.render(run.data or {}, lang)
        body = render_blocks(list(blocks))
    except Exception:
        error = "\n".join(traceback.format_exc().rstrip().splitlines()[-12:])
        return title + _failure(say("render_failed", lang), error, lang) + _provenance(
            run, lang
        ), error
    return title + body + _provenance(run, lang), None


# -------------------------------------------------------------------------------------- page


def _toc(report: ReportRun, lang: Lang) -> str:
    items = []
    for s in report.sections:
        failed = f' <span class="mark-failed">({_e(say("failed_mark", lang))})</span>'
        sub = "".join(
            f'<li><a href="#{_e(_part_anchor(p))}">{_e(part_title(p, lang))}</a>'
            f"{failed if p.error else ''}</li>"
            for p in s.parts
        )
        items.append(
            f'<li><a href="#{_e(s.id)}">{_e(section_title(s, lang))}</a>'
            f"{failed if s.plan.error else ''}{f'<ol>{sub}</ol>' if sub else ''}</li>"
        )
    return (
        f'<nav class="toc" aria-labelledby="toc-title"><h2 id="toc-title">'
        f"{_e(say('contents', lang))}</h2><ol>{''.join(items)}</ol></nav>"
    )


def render_page(report: ReportRun, lang: Lang) -> tuple[str, list[str]]:
    """The whole page, and the failures it shows ("section[/part]: error")."""
    failures: list[str] = []
    sections = []
    for s in report.sections:
        body = [f'<section id="{_e(s.id)}"><h2>{_e(section_title(s, lang))}</h2>']
        if s.plan.error is not None:
            body.append(_failure(say("section_failed", lang), s.plan.error, lang))
            failures.append(f"{s.id}: {s.plan.error.splitlines()[-1]}")
        else:
            intro = _text(getattr(s.plan.module, "INTRO", None), lang)
            if intro:
                body.append(f"<p>{_e(intro)}</p>")
        for run in s.parts:
            part_html, error = render_part(run, lang)
            body.append(f"<article>{part_html}</article>")
            if error is not None:
                failures.append(f"{run.part.section}/{run.part.name}: {error.splitlines()[-1]}")
        body.append("</section>")
        sections.append("\n".join(body))
    runs = report.part_runs
    counts = say(
        "counts",
        lang,
        parts=len(runs),
        ran=sum(1 for p in runs if p.ok and not p.cached),
        cached=sum(1 for p in runs if p.cached),
        failed=len(failures),
    )
    summary = say(
        "summary",
        lang,
        level=_text(LEVEL_NAMES[report.level], lang),
        seed=report.seed,
        date=report.started.replace("T", " ").replace("+00:00", " UTC"),
        seconds=duration(report.seconds, lang),
        machine=describe_machine(report.machine, say("cores", lang)),
    )
    footer = say("footer", lang, version=__version__, command=report.command)
    page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lstmlab {_e(__version__)}">
<title>{_e("lstmlab — " + say("title", lang))}</title>
<style>{CSS}</style>
</head>
<body>
<header class="page">
<h1>{_e(say("title", lang))}</h1>
<p class="lead">{_e(say("lead", lang))}</p>
<p class="summary"><strong>{_e(say("summary_label", lang))}</strong>:
{_e(summary)}. {_e(counts)}.</p>
</header>
{_toc(report, lang)}
<main>
{chr(10).join(sections)}
</main>
<footer class="page"><p>{_e(footer)}</p></footer>
</body>
</html>
"""
    return page, failures


def report_json(report: ReportRun, lang: Lang) -> dict[str, Any]:
    """Every part's config, data and meta (or error), and the run's own provenance."""
    return {
        "lstmlab": __version__,
        "command": report.command,
        "level": report.level,
        "seed": report.seed,
        "lang": lang,
        "started": report.started,
        "written": now_utc(),
        "seconds": round(report.seconds, 3),
        "machine": report.machine,
        "sections": [
            {
                "id": s.id,
                "title": section_title(s, lang),
                "error": s.plan.error,
                "parts": [
                    {
                        "name": p.part.name,
                        "title": part_title(p, lang),
                        "command": p.part.command,
                        "config": dict(p.part.config),
                        "key": p.key,
                        "cached": p.cached,
                        "error": p.error,
                        "meta": p.meta,
                        "data": p.data,
                    }
                    for p in s.parts
                ],
            }
            for s in report.sections
        ],
    }


def write_report(report: ReportRun, out: str | Path, lang: Lang = "en") -> list[str]:
    """Write ``out/index.html`` and ``out/report.json`` (each atomically); return the failures
    the page shows."""
    check_choice("lang", lang, LANGS)
    out = Path(out)
    page, failures = render_page(report, lang)
    write_text_atomic(out / JSON, json.dumps(report_json(report, lang), indent=1) + "\n")
    write_text_atomic(out / INDEX, page)
    return failures
