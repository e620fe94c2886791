"""Table layouts and the paper's numbers, on run folders built from synthetic rows (no model):
the ood-coding headers name input and branch; suites' layouts are the ones rendered; ablation
rows get the paper's row only where the label is one of the paper's variants; the published
numbers resolve from the repository whatever ``SDBENCH_RESULTS`` says, and a missing paper file
is a one-line error; a run on another protocol than the paper's gets a one-line note."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.results.paper import paper_summary
from bench.results.paths import REPO_ROOT, paper_dir, reference_dir, runs_dir
from bench.results.store import RunStore
from bench.results.summary import summarize
from bench.reporting.tables import TABLE_LAYOUTS, build_rows, render_csv, render_latex, render_markdown

TRACKS = ("speech", "music", "sfx")
#: The tiny ablation labels: two of them are the paper's variants, the shared-codebook ones not.
ABLATION_LABELS = ("SD-Codec", "+ shared codebook (S=1 of 4)", "+ shared codebook (S=3 of 4)",
                   "+ separation enhance", "+ initialization from DAC")


def eval_rows(models, n_clips: int = 3, seed: int = 0, tasks=("resynthesis", "separation")) -> pd.DataFrame:
    """SI-SDR rows of resynthesis (track in, track out), separation (mix in, track out) and
    ood coding (source in, every branch out)."""
    rng = np.random.default_rng(seed)
    rows = []
    for model in models:
        pairs = []
        if "resynthesis" in tasks:
            pairs += [("resynthesis", t, t) for t in ("mix", *TRACKS)]
        if "separation" in tasks:
            pairs += [("separation", "mix", t) for t in TRACKS]
        if "ood-coding" in tasks:
            pairs += [("ood-coding", s, b) for s in TRACKS for b in TRACKS]
        for task, source, output in pairs:
            for c in range(n_clips):
                rows.append(dict(model=model, task=task, input=source, output=output, clip_id=f"c{c}",
                                 metric="si_sdr", value=float(rng.normal(5, 2)), skipped=""))
    return pd.DataFrame(rows)


def make_run(folder: Path, suite: str, rows: pd.DataFrame, protocol: str = "corrected") -> Path:
    store = RunStore(folder)
    store.start({"config": {"suite": suite, "split": "test", "protocol": protocol}, "suite": suite,
                 "config_hash": "h", "dataset": {"protocol": protocol},
                 "models": [{"label": m} for m in dict.fromkeys(rows["model"])]})
    store.append(rows)
    store.complete()
    return folder


# -- ood coding headers --------------------------------------------------------------------------

def test_ood_headers_name_input_source_and_branch() -> None:
    layout = TABLE_LAYOUTS.get("ood-coding")
    summary = summarize(eval_rows(["SD-Codec"], tasks=("ood-coding",)))
    rows = build_rows(layout, summary)
    header = render_markdown(layout, rows).splitlines()[2]
    cells = [c.strip() for c in header.strip("|").split("|")][1:]
    assert cells == [f"{s} in / {b} branch" for s in ("Speech", "Music", "SFX") for b in ("Speech", "Music", "SFX")]
    # each header's cell is the mean of that (source, branch) pair
    body = render_markdown(layout, rows).splitlines()[4]
    values = [c.strip() for c in body.strip("|").split("|")][1:]
    for column, text in zip(layout.columns, values):
        mean = summary[(summary.input == column.input) & (summary.output == column.output)]["mean"].item()
        assert text.startswith(f"{mean:.2f}")
    latex = render_latex(layout, rows)
    assert "\\multicolumn{3}{c}{Speech in}" in latex
    assert latex.count("Music branch") == 3 and "SI-SDR" in latex  # in the caption, not the headers


# -- layouts the suites name ---------------------------------------------------------------------

def test_bench_table_renders_the_layouts_of_the_runs_suite(bench_cli, tmp_path) -> None:
    rows = eval_rows(["SD-Codec", "+ separation enhance"])
    ablation = make_run(tmp_path / "abl", "ablation-separation-enhance", rows)
    status, text = bench_cli("table", "--run", str(ablation))
    assert status == 0
    assert "Ablations" in text and "Resynthesis (" not in text and "Separation (" not in text
    # a resynthesis + separation run of another suite keeps its own layouts; ablation on request
    plain = make_run(tmp_path / "res", "resynthesis", rows[rows.task == "resynthesis"])
    status, text = bench_cli("table", "--run", str(plain))
    assert status == 0 and "Resynthesis (" in text and "Ablations" not in text
    status, text = bench_cli("table", "--run", str(ablation), "--layout", "ablation", "--format", "csv")
    assert status == 0 and set(pd.read_csv(io.StringIO(text))["table"]) == {"ablation"}


def test_a_layout_with_no_rows_is_an_error(bench_cli, tmp_path, capsys) -> None:
    run = make_run(tmp_path / "res", "resynthesis", eval_rows(["SD-Codec"], tasks=("resynthesis",)))
    assert bench_cli("table", "--run", str(run), "--layout", "ood-coding")[0] == 2
    assert "no rows for the ood-coding layout" in capsys.readouterr().err


# -- ablation rows and the paper ------------------------------------------------------------------

def test_ablation_paper_rows_only_for_the_papers_variants() -> None:
    layout = TABLE_LAYOUTS.get("ablation")
    summary = summarize(eval_rows(ABLATION_LABELS))
    summary = summary.sort_values("model", key=lambda m: m.map(ABLATION_LABELS.index), kind="stable")
    rows = build_rows(layout, summary, paper_summary(), split="test")
    labels = [(r.kind, r.label) for r in rows]
    assert labels == [
        ("ours", "SD-Codec"), ("paper", "SD-Codec (paper)"), ("diff", "Δ vs paper"),
        ("ours", "+ shared codebook (S=1 of 4)"),
        ("ours", "+ shared codebook (S=3 of 4)"),
        ("ours", "+ separation enhance"), ("paper", "+ separation enhance (paper)"), ("diff", "Δ vs paper"),
        ("ours", "+ initialization from DAC"), ("paper", "+ initialization from DAC (paper)"),
        ("diff", "Δ vs paper"),
    ]
    published = pd.read_csv(paper_dir() / "ablation.csv").set_index(["split", "variant"])
    by_label = {r.label: r for r in rows}
    for variant in ("SD-Codec", "+ separation enhance", "+ initialization from DAC"):
        paper_row = by_label[f"{variant} (paper)"]
        assert len(paper_row.values) == len(layout.columns) == 7
        for column, (mean, std) in paper_row.values.items():
            prefix = "resyn" if column.task == "resynthesis" else "sep"
            assert mean == published.loc[("test", variant), f"{prefix}_{column.output}_mean"]
            assert std == published.loc[("test", variant), f"{prefix}_{column.output}_std"]
    # the published row's numbers are the test split's, and the differences are ours - paper
    ours, paper, diff = rows[5], rows[6], rows[7]
    for column, (mean, _) in diff.values.items():
        assert mean == pytest.approx(ours.values[column][0] - paper.values[column][0])


def test_ablation_suites_default_to_the_tiny_variants_with_honest_labels() -> None:
    from bench.models import parse_model_spec as split_model_spec
    from bench.suites import SUITES, discover

    discover()
    expected = {
        "ablation-shared-codebook": [("SD-Codec", "sdcodec-tiny"),
                                     ("+ shared codebook (S=1 of 4)", "sdcodec-tiny-shared1"),
                                     ("+ shared codebook (S=3 of 4)", "sdcodec-tiny-shared3")],
        "ablation-separation-enhance": [("SD-Codec", "sdcodec-tiny"),
                                        ("+ separation enhance", "sdcodec-tiny-sepenhance")],
        "ablation-init-dac": [("SD-Codec", "sdcodec-tiny"),
                              ("+ initialization from DAC (weights copied)", "sdcodec-tiny-initdac"),
                              ("+ initialization from DAC (authors' code: random init)", "sdcodec-tiny-shared1")],
    }
    for name, models in expected.items():
        suite = SUITES.get(name)
        assert suite.layouts == ("ablation",) and suite.tasks == ("resynthesis", "separation")
        specs = [split_model_spec(s) for s in suite.default_models]
        assert [(s.label, s.path) for s in specs] == models


def test_all_suite_runs_every_other_suite() -> None:
    from bench.suites import SUITES, discover

    discover()
    members = SUITES.get("all").members
    assert sorted(members) == sorted(n for n in SUITES.names() if n != "all")
    assert len(set(members)) == len(members)


def test_model_specs_split_where_a_checkpoint_follows(tmp_path) -> None:
    from bench.models import parse_model_spec as split_model_spec

    odd = tmp_path / "lr=1e-3"
    odd.mkdir()
    ckpt = odd / "model.pt"
    ckpt.write_bytes(b"")
    cases = {
        "+ shared codebook (S=4)=sdcodec-tiny": ("+ shared codebook (S=4)", "sdcodec-tiny"),
        f"S=1={ckpt}": ("S=1", str(ckpt)),
        f"{ckpt}": (None, str(ckpt)),
        f"A={ckpt}": ("A", str(ckpt)),
        "SD-Codec=preset:sdcodec/tiny": ("SD-Codec", "preset:sdcodec/tiny"),
        "sdcodec-tiny": (None, "sdcodec-tiny"),
        "+ x (S=1 of 4)=not-shipped-yet": ("+ x (S=1 of 4)", "not-shipped-yet"),
    }
    for text, (label, path) in cases.items():
        spec = split_model_spec(text)
        assert (spec.label, spec.path) == (label, path), text


# -- where the paper's numbers come from ----------------------------------------------------------

def test_paper_numbers_resolve_from_the_repository_when_results_move(bench_cli, tmp_path, monkeypatch) -> None:
    run = make_run(tmp_path / "run", "resynthesis", eval_rows(["SD-Codec"], tasks=("resynthesis",)))
    moved = tmp_path / "elsewhere"
    monkeypatch.setenv("SDBENCH_RESULTS", str(moved))
    assert runs_dir() == moved / "runs"  # runs move ...
    assert paper_dir() == REPO_ROOT / "results" / "paper"  # ... the shipped data do not
    assert reference_dir() == REPO_ROOT / "results" / "reference"
    status, text = bench_cli("table", "--run", str(run), "--paper", "--format", "csv")
    assert status == 0
    table = pd.read_csv(io.StringIO(text))
    paper = table[table.kind == "paper"]
    assert set(paper["row"]) == {"SD-Codec (paper)"} and len(paper) == 8  # 4 tracks x SI-SDR, ViSQOL
    published = pd.read_csv(REPO_ROOT / "results" / "paper" / "resynthesis.csv")
    mix = published[(published.split == "test") & (published.method == "SD-Codec") & (published.track == "mix")]
    hit = paper[(paper.input == "mix") & (paper.metric == "si_sdr")]
    assert hit["mean"].item() == mix["si_sdr_mean"].item()


def test_missing_paper_file_is_a_one_line_error(bench_cli, tmp_path, monkeypatch, capsys) -> None:
    from bench.results import paths

    run = make_run(tmp_path / "run", "resynthesis", eval_rows(["SD-Codec"], tasks=("resynthesis",)))
    fake_repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "results" / "paper", fake_repo / "results" / "paper")
    (fake_repo / "results" / "paper" / "separation.csv").unlink()
    monkeypatch.setattr(paths, "REPO_ROOT", fake_repo)
    status, _ = bench_cli("table", "--run", str(run), "--paper")
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(fake_repo / "results" / "paper" / "separation.csv") in err
    # without --paper the table needs no paper file
    assert bench_cli("table", "--run", str(run))[0] == 0


# -- protocols -------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol, paper, noted", [("corrected", True, True), ("authors", True, False),
                                                    ("corrected", False, False)])
def test_cross_protocol_comparison_is_noted(bench_cli, tmp_path, capsys, protocol, paper, noted) -> None:
    run = make_run(tmp_path / "run", "resynthesis", eval_rows(["SD-Codec"], tasks=("resynthesis",)), protocol)
    status, text = bench_cli("table", "--run", str(run), *(["--paper"] if paper else []))
    assert status == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    if noted:
        assert len(notes) == 1
        assert "authors' protocol" in notes[0] and "cv/" in notes[0] and "`corrected`" in notes[0]
    else:
        assert notes == []
    assert "note:" not in text  # the table itself stays a clean table


def test_csv_of_an_ablation_run_has_no_doubled_method_name(bench_cli, tmp_path) -> None:
    run = make_run(tmp_path / "abl", "ablation-init-dac", eval_rows(["SD-Codec", "+ initialization from DAC"]))
    status, text = bench_cli("table", "--run", str(run), "--layout", "ablation", "--paper")
    assert status == 0
    assert "SD-Codec SD-Codec" not in text
    assert "| SD-Codec (paper) |" in text and "| + initialization from DAC (paper) |" in text
    frame = pd.read_csv(io.StringIO(render_csv(TABLE_LAYOUTS.get("ablation"), build_rows(
        TABLE_LAYOUTS.get("ablation"), summarize(eval_rows(["SD-Codec"])), paper_summary(), split="test"))))
    assert set(frame["row"]) == {"SD-Codec", "SD-Codec (paper)", "Δ vs paper"}


def test_ablation_labels_with_a_qualifier_get_the_papers_row() -> None:
    # Both ways of the init-from-DAC ablation are shown beside the published row; a tiny variant
    # the paper did not train is not.
    labels = ["SD-Codec", "+ initialization from DAC (weights copied)",
              "+ initialization from DAC (authors' code: random init)", "+ shared codebook (S=1 of 4)",
              "+ initialization from DAC, weights copied"]
    layout = TABLE_LAYOUTS.get("ablation")
    rows = build_rows(layout, summarize(eval_rows(labels)), paper_summary(), split="test")
    published = {row.label: (following.label if following.kind == "paper" else None)
                 for row, following in zip(rows, [*rows[1:], rows[0]]) if row.kind == "ours"}
    assert published == {
        "SD-Codec": "SD-Codec (paper)",
        "+ initialization from DAC (weights copied)": "+ initialization from DAC (paper)",
        "+ initialization from DAC (authors' code: random init)": "+ initialization from DAC (paper)",
        "+ shared codebook (S=1 of 4)": None, "+ initialization from DAC, weights copied": None}
