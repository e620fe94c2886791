"""The packages are layers: ``sdcodec`` (the model library) < ``baselines`` < ``bench`` (the
harness). A module may import its own layer and the layers below it, never one above.

Two checks: a fresh interpreter that imports every module of the lower layers must not have loaded
a higher one (what a user of the model library actually gets), and a static pass over every
source file finds each import statement of a higher layer, including relative imports,
imports inside functions and ``importlib.import_module("...")`` with a literal name.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Lowest first: each package may import the ones before it, never the ones after.
LAYERS: tuple[str, ...] = ("sdcodec", "baselines", "bench")

_IMPORT_ALL = """
import importlib, json, pkgutil, sys
for package in sys.argv[1:]:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(*packages: str) -> list[str]:
    """Names in ``sys.modules`` of a fresh interpreter after importing ``packages`` and every
    module below them (``pkgutil.walk_packages``)."""
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL, *packages], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def of_packages(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    """The names in ``modules`` that are one of ``packages`` or inside one."""
    return [name for name in modules if name.split(".")[0] in packages]


def imported_names(path: Path, module: str) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in the file ``path`` of ``module``
    (dotted name; a package's ``__init__`` is the package): statements at any depth, relative
    ones resolved, and ``import_module`` / ``__import__`` calls with a string literal."""
    is_package = path.name == "__init__.py"
    names: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")[: len(module.split(".")) - node.level + is_package]
                names.append((node.lineno, ".".join([*parts, *([node.module] if node.module else [])])))
            else:
                names.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.append((node.lineno, node.args[0].value))
    return names


def upward_imports(root: Path) -> list[str]:
    """``file:line: layer imports higher`` for every import of a higher layer under ``root``."""
    found = []
    for rank, layer in enumerate(LAYERS):
        higher = LAYERS[rank + 1:]
        for path in sorted((root / layer).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            for line, name in imported_names(path, module):
                if name.split(".")[0] in higher:
                    found.append(f"{path.relative_to(root)}:{line}: {layer} imports {name}")
    return found


def test_the_model_library_loads_neither_baselines_nor_the_harness() -> None:
    modules = loaded_modules("sdcodec")
    assert "sdcodec.checkpoint" in modules and "sdcodec.losses.spectral" in modules  # the walk ran
    assert of_packages(modules, ("baselines", "bench")) == []


def test_the_baselines_load_no_harness() -> None:
    modules = loaded_modules("baselines")
    assert "baselines.tdanet.look2hear" in modules and "sdcodec.families" in modules
    assert of_packages(modules, ("bench",)) == []


def test_no_module_imports_a_higher_layer() -> None:
    assert all((REPO / layer).is_dir() for layer in LAYERS)
    assert upward_imports(REPO) == []


@pytest.mark.parametrize("source, module, expected", [
    ("import bench.cli\n", "sdcodec.nn", ["bench.cli"]),
    ("def f():\n    from bench.data import synth\n", "sdcodec.nn", ["bench.data"]),
    ("from ..bench import x\n", "sdcodec.train.loop", ["sdcodec.bench"]),
    ("from . import layers\n", "baselines.tdanet", ["baselines.tdanet"]),
    ("from .layers import f\n", "baselines.tdanet.model", ["baselines.tdanet.layers"]),
    ("importlib.import_module('baselines.dac')\n", "sdcodec.families", ["baselines.dac"]),
])
def test_imports_are_found_wherever_they_are(tmp_path, source, module, expected) -> None:
    is_package = module == "baselines.tdanet"
    path = tmp_path / ("__init__.py" if is_package else "m.py")
    path.write_text(source)
    assert [name for _, name in imported_names(path, module)] == expected


def test_an_upward_import_is_reported_with_its_place(tmp_path) -> None:
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "bench" / "ok.py").write_text("from sdcodec.nn import x\nimport baselines\n")
    (tmp_path / "sdcodec" / "bad.py").write_text("import torch\n\ndef f():\n    from bench.errors import E\n")
    (tmp_path / "baselines" / "bad.py").write_text("from sdcodec import nn\nimport bench\n")
    assert upward_imports(tmp_path) == ["sdcodec/bad.py:4: sdcodec imports bench.errors",
                                        "baselines/bad.py:2: baselines imports bench"]
