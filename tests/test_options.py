"""Every numeric option of every command is checked while parsing: a bad value is one line naming
the option, exit status 2, and nothing runs (no run folder, no model, no data)."""

from __future__ import annotations

import argparse
import math

import pytest

from bench.cli import build_parser, main
from bench.commands.options import checked, integer, integers, real, reals


def parse_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line ``bench ARGV`` prints when parsing refuses it (exit 2)."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


RUN = ["run", "--suite", "resynthesis", "--metrics", "si_sdr"]
BAD = [
    # (argv, option named in the error) -- issue 15: --limit -1 scored 11 of 12 clips, --batch-size
    # 0 gave a traceback, -3 left an empty run folder marked complete, negative workers tracebacks
    (RUN + ["--limit", "-1"], "--limit"),
    (RUN + ["--limit", "0"], "--limit"),
    (RUN + ["--limit", "2.5"], "--limit"),
    (RUN + ["--batch-size", "0"], "--batch-size"),
    (RUN + ["--batch-size", "-3"], "--batch-size"),
    (RUN + ["--workers", "-1"], "--workers"),
    (RUN + ["--loader-workers", "-2"], "--loader-workers"),
    (RUN + ["--batch-sizes", "1,0"], "--batch-sizes"),
    (RUN + ["--batch-sizes", "1,,4"], "--batch-sizes"),
    (RUN + ["--clip-seconds", "0"], "--clip-seconds"),
    (RUN + ["--clip-seconds", "1,nan"], "--clip-seconds"),
    (RUN + ["--clip-seconds", "inf"], "--clip-seconds"),
    (["data", "synth", "--seed", "-1"], "--seed"),
    (["data", "synth", "--workers", "0"], "--workers"),
    (["train", "--stop-at", "0"], "--stop-at"),
    (["train", "--threads", "0"], "--threads"),
    (["check", "--baseline", "b.csv", "--tolerance", "si_sdr=-0.1"], "--tolerance"),
    (["check", "--baseline", "b.csv", "--tolerance", "si_sdr=nan"], "--tolerance"),
    (["check", "--baseline", "b.csv", "--tolerance", "si_sdr=0.1:inf"], "--tolerance"),
    (["check", "--baseline", "b.csv", "--tolerance", "=0.1"], "--tolerance"),
]


@pytest.mark.parametrize("argv, option", BAD, ids=[" ".join(a[len(RUN):] if a[0] == "run" else a) for a, _ in BAD])
def test_bad_number_is_one_line_naming_the_option_and_runs_nothing(argv, option, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    argv = argv + (["--out", str(out)] if argv[0] in ("run", "data") else [])
    line = parse_error(argv, capsys)
    assert line.startswith(f"bench {argv[0]}") and f"argument {option}" in line, line
    assert not out.exists()


def test_good_numbers_parse_to_numbers() -> None:
    args = build_parser().parse_args(RUN + ["--limit", "12", "--batch-size", "1", "--workers", "0",
                                            "--loader-workers", "2", "--batch-sizes", "1, 4",
                                            "--clip-seconds", "0.5,10"])
    assert (args.limit, args.batch_size, args.workers, args.loader_workers) == (12, 1, 0, 2)
    assert args.batch_sizes == (1, 4) and args.clip_seconds == (0.5, 10.0)
    args = build_parser().parse_args(["train", "--stop-at", "1", "--threads", "2"])
    assert (args.stop_at, args.threads) == (1, 2)
    args = build_parser().parse_args(["check", "--baseline", "b.csv", "--tolerance", "si_sdr=0:0.5"])
    assert args.tolerance == ["si_sdr=0:0.5"]


def test_types_bounds_are_exact() -> None:
    assert integer(0)("0") == 0 and integer(1)("1") == 1
    assert real(0.0)("1e-9") == 1e-9
    assert integers(1)("3") == (3,) and reals(0.0)("2.5,1") == (2.5, 1.0)
    for parse, text in ((integer(1), "0"), (integer(0), "-1"), (real(0.0), "0"), (real(0.0), "-inf"),
                        (integer(1), "1e3"), (reals(0.0), "1,"), (integers(1), "")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)
    assert math.isfinite(real(0.0)("1e308"))


def test_checked_turns_a_bench_error_into_a_parse_error() -> None:
    from sdcodec.core.errors import ConfigError

    def positive_even(text: str) -> None:
        if int(text) % 2:
            raise ConfigError(f"{text} is odd")

    assert checked(positive_even)("4") == "4"
    with pytest.raises(argparse.ArgumentTypeError, match="3 is odd"):
        checked(positive_even)("3")


def test_other_parse_errors_are_one_line_too(capsys) -> None:
    assert "invalid choice: 'nope'" in parse_error(["run", "--suite", "nope"], capsys)
    assert "required: --suite" in parse_error(["run"], capsys)


def test_no_command_is_a_usage_error_not_drift(capsys) -> None:
    assert main([]) == 2  # exit 1 is reserved for "bench check found drift"
    assert "COMMAND" in capsys.readouterr().out
