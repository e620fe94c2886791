"""One folder per run: a manifest, per-clip rows written in atomic parts, and a summary.

Layout of ``results/runs/<run id>/``::

    manifest.json        configuration, its hash, dataset and checkpoint hashes, environment,
                         status ("running" | "complete")
    parts/part-[rK-]NNNNNN.parquet
                         per-clip rows, appended atomically as work finishes (one series per
                         writer: ranks of a distributed run write their own)
    clips.parquet        all rows, written when the run completes
    summary.csv          mean / population std / counts per model, task, input, output, metric,
                         and the bootstrap interval of each mean (settings also in the manifest's
                         ``intervals``)

A *unit* (model, task, clip id) is the grain of resumption: a part always holds complete units,
so a run killed at any point resumes with exactly the units that have no rows yet.

A row is unique per ``KEY_COLUMNS`` whatever happens: one process owns the folder at a time
(``bench.results.lock``), and reading rows drops exact repeats (a unit written twice, as two
runs into one folder did before the lock) and refuses two different results for one key, so a
summary never counts a clip twice.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from bench.util.atomic import atomic_write_frame, atomic_write_json
from sdcodec.core.errors import BenchError

#: Columns of a per-clip row. ``value`` is NaN exactly when ``skipped`` holds a reason.
ROW_COLUMNS = ["model", "task", "input", "output", "clip_id", "metric", "value", "skipped"]
UNIT_COLUMNS = ["model", "task", "clip_id"]
#: What identifies a row: one value (or skip) per model, task, input, output, clip and metric.
KEY_COLUMNS = ["model", "task", "input", "output", "clip_id", "metric"]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class RunStore:
    """Reads and writes one run folder."""

    def __init__(self, run_dir: str | Path, writer: str = "") -> None:
        """``writer`` tags this process's part files (one per rank in distributed runs)."""
        self.run_dir = Path(run_dir)
        self.writer = writer
        self.parts_dir = self.run_dir / "parts"
        self.manifest_path = self.run_dir / "manifest.json"
        self._next_part = None

    # -- manifest ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        if not self.exists():
            raise BenchError(f"{self.run_dir}: not a run folder (no manifest.json)")
        try:
            return json.loads(self.manifest_path.read_text())
        except json.JSONDecodeError as error:
            raise BenchError(f"{self.manifest_path}: unreadable run manifest ({error})") from error

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write_json(self.manifest_path, manifest)

    def start(self, manifest: dict[str, Any]) -> bool:
        """Creates the run, or checks that an existing one has the same configuration hash.

        Returns True when the folder already held rows (a resumed run).
        """
        if self.exists():
            old = self.read_manifest()
            if old.get("config_hash") != manifest.get("config_hash"):
                raise BenchError(
                    f"{self.run_dir}: holds a run with another configuration "
                    f"({old.get('config_hash')} != {manifest.get('config_hash')}); "
                    "choose another --out or delete the folder"
                )
            old["status"] = "running"
            old.setdefault("resumed_at", []).append(_now())
            self.write_manifest(old)
            return bool(self.part_files())
        manifest = dict(manifest, status="running", started_at=_now())
        self.write_manifest(manifest)
        return False

    def complete(self, profile: dict[str, Any] | None = None) -> pd.DataFrame:
        """Writes ``clips.parquet`` and ``summary.csv``, marks the run complete (recording
        ``profile``, the evaluation's time per phase, when given); returns rows."""
        from sdcodec.core.dataclass_json import to_dict
        from bench.results.summary import summarize
        from bench.stats.bootstrap import BootstrapSettings

        rows = self.rows()
        intervals = BootstrapSettings()
        atomic_write_frame(rows, self.run_dir / "clips.parquet")
        atomic_write_frame(summarize(rows, intervals), self.run_dir / "summary.csv")
        manifest = self.read_manifest()
        manifest.update(status="complete", completed_at=_now(), n_rows=int(len(rows)),
                        intervals=to_dict(intervals))
        if profile is not None:
            manifest.setdefault("profiles", []).append(profile)
        self.write_manifest(manifest)
        return rows

    # -- rows -------------------------------------------------------------------------------
    def part_files(self) -> list[Path]:
        return sorted(self.parts_dir.glob("part-*.parquet"))

    def append(self, rows: pd.DataFrame) -> Path | None:
        """Writes ``rows`` (complete units only) as the next part, atomically."""
        if rows.empty:
            return None
        missing = [c for c in ROW_COLUMNS if c not in rows.columns]
        if missing:
            raise ValueError(f"rows lack columns {missing}")
        prefix = f"part-{self.writer}" if self.writer else "part-"
        if self._next_part is None:
            mine = [p for p in self.part_files() if p.stem.startswith(prefix) and p.stem[len(prefix):].isdigit()]
            self._next_part = max((int(p.stem[len(prefix):]) for p in mine), default=-1) + 1
        path = self.parts_dir / f"{prefix}{self._next_part:06d}.parquet"
        self._next_part += 1
        return atomic_write_frame(rows[ROW_COLUMNS].reset_index(drop=True), path)

    def rows(self) -> pd.DataFrame:
        """All rows written so far, in a deterministic order."""
        parts = [pd.read_parquet(path).assign(_source=path.name) for path in self.part_files()]
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else "object")
                                 for c in ROW_COLUMNS})
        rows = pd.concat(parts, ignore_index=True)
        rows["skipped"] = rows["skipped"].fillna("")
        rows = unique_rows(rows, self.parts_dir).drop(columns="_source")
        return rows.sort_values(KEY_COLUMNS, kind="stable").reset_index(drop=True)

    def done_units(self) -> set[tuple[str, str, str]]:
        """(model, task, clip id) triples that already have rows."""
        done: set[tuple[str, str, str]] = set()
        for path in self.part_files():
            frame = pd.read_parquet(path, columns=UNIT_COLUMNS)
            done.update(map(tuple, frame.drop_duplicates().itertuples(index=False, name=None)))
        return done


def load_rows(run: str | Path) -> pd.DataFrame:
    """Per-clip rows of a run folder (complete or not), with the model labels it recorded."""
    store = RunStore(run)
    store.read_manifest()
    final = store.run_dir / "clips.parquet"
    if final.is_file() and store.read_manifest().get("status") == "complete":
        rows = pd.read_parquet(final)
        rows["skipped"] = rows["skipped"].fillna("")
        return unique_rows(rows, final)
    return store.rows()


def unique_rows(rows: pd.DataFrame, source: str | Path) -> pd.DataFrame:
    """``rows`` with one row per ``KEY_COLUMNS``: exact repeats are dropped (with a note on
    stderr); two different results for one key raise ``BenchError`` naming the key (and the part
    files, from a ``_source`` column when there is one). The first of the repeats is kept."""
    repeated = rows.duplicated(KEY_COLUMNS, keep=False)
    if not repeated.any():
        return rows
    distinct = rows[repeated].drop_duplicates(KEY_COLUMNS + ["value", "skipped"])
    clashes = distinct[distinct.duplicated(KEY_COLUMNS, keep=False)]
    if len(clashes):
        first = clashes.iloc[0]
        key = ", ".join(f"{c}={first[c]}" for c in KEY_COLUMNS)
        same = clashes[(clashes[KEY_COLUMNS] == first[KEY_COLUMNS]).all(axis=1)]
        where = (" in " + " and ".join(sorted(set(same["_source"])))) if "_source" in same else ""
        raise BenchError(f"{source}: {clashes[KEY_COLUMNS].drop_duplicates().shape[0]} clip result(s) "
                         f"were scored twice with different values (first: {key}{where}); a summary "
                         "would count them twice: delete the parts of one of the runs (or the "
                         "folder) and run again")
    unique = rows.drop_duplicates(KEY_COLUMNS, keep="first")
    print(f"note: {source}: dropped {len(rows) - len(unique)} repeated row(s) (the same clip "
          "results written twice); each is counted once", file=sys.stderr)
    return unique
