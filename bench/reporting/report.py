"""Finding runs and turning their summaries into tables (shared by ``bench run`` and
``bench table``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sdcodec.core.errors import BenchError
from bench.results.paths import runs_dir
from bench.results.store import RunStore, load_rows
from bench.results.summary import summarize
from bench.stats.bootstrap import BootstrapSettings
from bench.stats.marks import better_than, mark_note
from bench.reporting.rate_distortion import by_operating_point
from bench.reporting.tables import (
    CELL_STATS,
    RENDERERS,
    TABLE_LAYOUTS,
    Mark,
    TableLayout,
    TableOptions,
    build_rows,
    has_rows,
    layouts_for,
)

#: The protocol whose test split the paper's numbers come from (the authors' script tests on cv/).
PAPER_PROTOCOL = "authors"


def latest_run(suite: str | None = None) -> Path:
    """The most recently completed run folder (of ``suite`` if given)."""
    candidates = []
    for manifest in runs_dir().glob("*/manifest.json"):
        store = RunStore(manifest.parent)
        info = store.read_manifest()
        if info.get("status") == "complete" and (suite is None or info.get("config", {}).get("suite") == suite):
            candidates.append((info.get("completed_at", ""), manifest.parent))
    if not candidates:
        raise BenchError(f"no complete run in {runs_dir()} (run `bench run --suite ...` first)")
    return sorted(candidates)[-1][1]


def run_summary(run: str | Path) -> tuple[pd.DataFrame, dict]:
    """A run's summary (models in the run's order) and its manifest."""
    store = RunStore(run)
    manifest = store.read_manifest()
    summary = summarize(load_rows(run))
    order = [m["label"] for m in manifest.get("models", [])]
    summary["_order"] = summary["model"].map({m: i for i, m in enumerate(order)}).fillna(len(order))
    summary = summary.sort_values(["_order", "model"], kind="stable").drop(columns="_order")
    return summary.reset_index(drop=True), manifest


def suite_layouts(manifests: Sequence[dict]) -> list[str]:
    """The table layouts the runs' suites name (in order, without repeats); empty when a run's
    suite is unknown or names none."""
    from bench.suites import SUITES, discover

    discover()
    names: list[str] = []
    for manifest in manifests:
        suite = manifest.get("suite") or manifest.get("config", {}).get("suite")
        if suite not in SUITES or not SUITES.get(suite).layouts:
            return []
        names += [n for n in SUITES.get(suite).layouts if n not in names]
    return names


def load_paper():
    """The paper's published numbers; a missing or unreadable file is a one-line error."""
    from bench.results.paper import paper_summary

    try:
        return paper_summary()
    except FileNotFoundError as error:
        raise BenchError(f"{error.filename}: the paper's published numbers are missing (they ship "
                         "in the repository's results/paper/; restore the file)") from None
    except (KeyError, ValueError, pd.errors.ParserError) as error:
        raise BenchError(f"the paper's published numbers in results/paper/ are unreadable ({error})") from None


def protocol_note(manifests: Sequence[dict]) -> str | None:
    """The line printed with ``--paper`` when a run's protocol is not the paper's."""
    protocols = {m.get("config", {}).get("protocol") or m.get("dataset", {}).get("protocol")
                 for m in manifests}
    others = sorted(p for p in protocols if p and p != PAPER_PROTOCOL)
    if not others:
        return None
    return (f"note: the paper's numbers come from the authors' protocol (test manifest from cv/); "
            f"this run uses protocol `{'`, `'.join(others)}`, so the comparison is across protocols")


def render_tables(runs: list[str] | None, fmt: str, layout: str | Sequence[str] | None = None,
                  paper: bool = False, stat: str = "mean-std", mark_better_than: str | None = None,
                  alpha: float = 0.05) -> str:
    """The runs' tables, concatenated: ``layout`` (a name or names) if given, else the layouts
    their suites name (else every layout whose tasks they hold). With ``paper``, a run on
    another protocol than the paper's gets a one-line note on stderr. ``stat``: the cell form
    (``bench.reporting.tables.CELL_STATS``); ``mark_better_than``: a model label whose row the other
    models' cells are tested against (paired, Holm-adjusted per table at ``alpha``)."""
    CELL_STATS.get(stat)
    runs = runs or [str(latest_run())]
    summaries, manifests = zip(*(run_summary(r) for r in runs))
    summary, point_bitrates = by_operating_point(pd.concat(summaries, ignore_index=True), manifests)
    split = manifests[0].get("config", {}).get("split", "test")
    if layout:
        names = [layout] if isinstance(layout, str) else list(layout)
        layouts: list[TableLayout] = [TABLE_LAYOUTS.get(name) for name in names]
        shown = [t for t in layouts if has_rows(t, summary)]
        if not shown:
            raise BenchError(f"the runs hold no rows for the {', '.join(names)} layout"
                             + ("s" if len(names) > 1 else ""))
    else:
        named = suite_layouts(manifests)
        layouts = [TABLE_LAYOUTS.get(n) for n in named] if named else layouts_for(summary)
        shown = [t for t in layouts if has_rows(t, summary)]
        if not shown:
            raise BenchError("the runs hold no rows for any table layout")
    published = load_paper() if paper else None
    protocol = manifests[0].get("config", {}).get("protocol", "?")
    bitrates = {model["label"]: (model.get("kbps"), model.get("kbps_basis"))
                for manifest in manifests for model in manifest.get("models", []) if "label" in model}
    bitrates.update(point_bitrates)
    parts = []
    clip_rows = pd.concat([load_rows(r) for r in runs], ignore_index=True) if mark_better_than else None
    settings = BootstrapSettings()
    for table in shown:
        marks, options = {}, TableOptions(stat=stat)
        if clip_rows is not None:
            found, tested = better_than(table.columns, clip_rows, mark_better_than, settings, alpha)
            marks = {model: {c: Mark(p, better) for c, (p, better) in cells.items()}
                     for model, cells in found.items()}
            options = TableOptions(stat, mark_better_than,
                                   mark_note(mark_better_than, alpha, tested, settings))
        rows = build_rows(table, summary, published, split=split, marks=marks, bitrates=bitrates)
        text = RENDERERS[fmt](table, rows, options)
        if fmt == "markdown":
            cells = CELL_STATS.get(stat).note.format(interval=settings.describe())
            text += f"\n_{split} split, protocol `{protocol}`; {cells}._\n"
        parts.append(text)
    note = protocol_note(manifests) if paper else None
    if note:
        print(note, file=sys.stderr)
    return "\n".join(parts)
