"""The ``bench`` command's skeleton: discovery, help, and one-line user errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.cli import build_parser, main
from sdcodec.core.errors import ConfigError
from sdcodec.core.registry import Registry


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "COMMAND" in out


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("sdbench ")


def test_registry_unknown_name_lists_known() -> None:
    registry: Registry[int] = Registry("widget")
    registry.add("a", 1)
    with pytest.raises(ConfigError, match="unknown widget 'b'; known: a"):
        registry.get("b")
    with pytest.raises(ValueError):
        registry.add("a", 2)


def test_parser_builds() -> None:
    assert build_parser().prog == "bench"
