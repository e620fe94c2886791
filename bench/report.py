"""Finding runs and turning their summaries into tables (shared by ``bench run`` and
``bench table``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.errors import BenchError
from bench.paths import runs_dir
from bench.results.store import RunStore, load_rows
from bench.results.summary import summarize
from bench.tables import RENDERERS, TABLE_LAYOUTS, build_rows, layouts_for


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


def render_tables(runs: list[str] | None, fmt: str, layout: str | None = None,
                  paper: bool = False) -> str:
    """Every applicable layout (or ``layout``) for the runs, concatenated."""
    from bench.paper import paper_summary

    runs = runs or [str(latest_run())]
    summaries, manifests = zip(*(run_summary(r) for r in runs))
    summary = pd.concat(summaries, ignore_index=True)
    split = manifests[0].get("config", {}).get("split", "test")
    layouts = [TABLE_LAYOUTS.get(layout)] if layout else layouts_for(summary)
    if not layouts:
        raise BenchError("the runs hold no rows for any table layout")
    published = paper_summary() if paper else None
    protocol = manifests[0].get("config", {}).get("protocol", "?")
    parts = []
    for table in layouts:
        rows = build_rows(table, summary, published, split=split)
        text = RENDERERS[fmt](table, rows)
        if fmt == "markdown":
            text += f"\n_{split} split, protocol `{protocol}`; mean ± population std over clips._\n"
        parts.append(text)
    return "\n".join(parts)
