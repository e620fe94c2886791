"""``bench train`` on the command line: listing, showing, overrides errors, a short run and resume."""

from __future__ import annotations

import json

from bench.cli import main

from .conftest import sources_override


def test_show_list_and_errors(capsys):
    assert main(["train", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in ("paper", "separation-enhance", "shared4", "tdanet", "tiny"))

    assert main(["train", "--model", "dac", "--config", "paper", "--show", "optimizer.lr=3e-4"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["family"] == "dac" and shown["optimizer"]["lr"] == 3e-4 and shown["batch_size"] == 64

    assert main(["train", "--config", "tdanet", "--show"]) == 0
    assert json.loads(capsys.readouterr().out)["family"] == "tdanet"

    assert main(["train", "--model", "sdcodec", "--config", "paper", "--show", "optimiser.lr=1"]) == 2
    assert "unknown key 'optimiser.lr'" in capsys.readouterr().err
    assert main(["train", "--resume", "somewhere", "total_steps=3"]) == 2
    assert "--resume" in capsys.readouterr().err


def test_cli_run_stop_and_resume(tmp_path, small_dnr, capsys):
    run = tmp_path / "run"
    args = ["--model", "tdanet", "--config", "tiny", "--device", "cpu", "--no-progress",
            "total_steps=3", "batch_size=2", "log_every=1", "data.segment_seconds=0.5", sources_override(small_dnr)]
    assert main(["train", *args, "--out", str(run), "--stop-at", "2"]) == 0
    assert "stopped at step 2" in capsys.readouterr().out
    export = tmp_path / "exported.pt"
    assert main(["train", "--resume", str(run), "--no-progress", "--device", "cpu", "--export", str(export)]) == 0
    assert "finished at step 3" in capsys.readouterr().out
    assert export.is_file() and (run / "model.pt").is_file()
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]
    log = (run / "train.log").read_text()
    assert '"total_steps": 3' in log and "resumed at step 2" in log
    assert list((run / "tb").iterdir())  # TensorBoard event files
