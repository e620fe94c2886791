"""``hf:`` specs: bad input is one line naming the spec and the fix (exit status 2 from the
CLI); a missing or untested transformers; hub ids through huggingface_hub's cache, offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.models import check_model_spec, parse_model_spec
from bench.models.huggingface import load_hf_codec, parse_hf_spec
from sdcodec.core.errors import ConfigError


def _error(spec: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_hf_codec(spec)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(spec + ":")
    return message


def test_bad_specs_are_one_line_naming_the_spec_and_the_fix(saved, tmp_path):
    dac = saved["dac"][0]
    assert "no config.json" in _error(f"hf:{tmp_path}")
    assert "not offered; choose one of 1, 2, 3" in _error(f"hf:{dac},n_quantizers=7")
    assert "takes no bandwidth" in _error(f"hf:{dac},bandwidth=6")
    assert "choose one of 12, 24, 36" in _error(f"hf:{saved['encodec'][0]},bandwidth=6")
    assert "unknown argument 'layers'" in _error(f"hf:{dac},layers=2")
    assert "n_quantizers='two' is not a whole number" in _error(f"hf:{dac},n_quantizers=two")
    assert "n_quantizers=1.5 is not a whole number" in _error(f"hf:{dac},n_quantizers=1.5")
    assert "give n_quantizers or bandwidth, not both" in _error(f"hf:{dac},n_quantizers=1,bandwidth=2")
    assert "no such folder" in _error("hf:/no/such/folder")
    assert "has no revision" in _error(f"hf:{dac}@main")


def test_a_config_that_is_not_a_codec_is_named(tmp_path):
    import transformers

    transformers.BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=8).save_pretrained(tmp_path / "bert")
    assert "describes a 'bert' model, not an audio codec" in _error(f"hf:{tmp_path / 'bert'}")
    transformers.Xcodec2Config().save_pretrained(tmp_path / "xcodec2")
    assert "xcodec2 is not supported: X-Codec2 needs its feature extractor" in _error(f"hf:{tmp_path / 'xcodec2'}")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    assert "config.json" in _error(f"hf:{tmp_path / 'broken'}")


def test_weights_that_do_not_match_the_config(saved, tmp_path):
    source = saved["dac"][0]
    reshaped = tmp_path / "reshaped"
    shutil.copytree(source, reshaped)
    config = json.loads((reshaped / "config.json").read_text())
    config["decoder_hidden_size"] = 32
    (reshaped / "config.json").write_text(json.dumps(config))
    assert "weights do not match config.json" in _error(f"hf:{reshaped}")
    missing = tmp_path / "missing"
    shutil.copytree(source, missing)
    (missing / "model.safetensors").unlink()
    assert "no readable weights" in _error(f"hf:{missing}")
    corrupt = tmp_path / "corrupt"
    shutil.copytree(source, corrupt)
    (corrupt / "model.safetensors").write_bytes(b"\x00" * 64)
    assert "cannot load the weights" in _error(f"hf:{corrupt}")


def test_specs_parse_labels_revisions_and_arguments(saved):
    folder = saved["dac"][0]
    assert parse_model_spec(f"My DAC=hf:{folder},n_quantizers=2").label == "My DAC"
    assert parse_model_spec(f"hf:{folder},n_quantizers=2").path == f"hf:{folder},n_quantizers=2"
    hub = parse_hf_spec("hf:facebook/encodec_24khz@v1.0,bandwidth=6")
    assert (hub.location, hub.revision, hub.local, hub.bandwidth) == ("facebook/encodec_24khz", "v1.0", False, 6.0)
    check_model_spec(f"X=hf:{folder},n_quantizers=3")  # the preflight reads config.json only
    with pytest.raises(ConfigError, match="n_quantizers=4 is not offered"):
        check_model_spec(f"X=hf:{folder},n_quantizers=4")


def test_missing_transformers_says_how_to_install(saved, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers -> ImportError
    assert "pip install -e '.[hf]'" in _error(f"hf:{saved['dac'][0]}")


@pytest.mark.parametrize("version", ["4.57.1", "5.24.0", "6.0.0"])
def test_an_untested_transformers_version_is_refused(saved, monkeypatch, version):
    import transformers

    monkeypatch.setattr(transformers, "__version__", version)
    message = _error(f"hf:{saved['dac'][0]}")
    assert f"transformers {version} is outside the tested range >=5.23.0,<5.24" in message


HUB_SCRIPT = textwrap.dedent("""
    from bench.models.huggingface import load_hf_codec
    from sdcodec.core.errors import ConfigError
    codec, source = load_hf_codec("hf:sdbench-tests/tiny-dac")
    print("cached", source["commit"], codec.quantizer_options)
    try:
        load_hf_codec("hf:sdbench-tests/not-cached")
    except ConfigError as error:
        print("error", error)
""")


def test_hub_ids_come_from_huggingface_hubs_cache_honouring_its_variables(saved, tmp_path):
    """HF_HOME's cache layout holds a tiny model under a repo id; offline, it loads from there
    and a repo that is not cached is one line naming the spec and the fix (no network)."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hf-home" / "hub" / "models--sdbench-tests--tiny-dac"
    shutil.copytree(saved["dac"][0], repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf-home"), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    env.pop("HF_HUB_CACHE", None)
    done = subprocess.run([sys.executable, "-c", HUB_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == f"cached {commit} (1, 2, 3)"
    assert lines[1].startswith("error hf:sdbench-tests/not-cached: sdbench-tests/not-cached is not in the "
                               f"Hugging Face cache ({tmp_path / 'hf-home' / 'hub'}) and offline mode is on")
    assert len(lines) == 2


def test_bench_models_lists_the_tested_and_unsupported_codec_classes():
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    from bench.commands.models import hf_lines
    from bench.models.huggingface.kinds import UNSUPPORTED, tested_classes

    text = "\n".join(hf_lines())
    assert "transformers 5.23.0 installed" in text
    assert all(f"{model_type} ({cls})" in text for model_type, cls in tested_classes())
    assert {t for t, _ in tested_classes()} == {"dac", "encodec", "mimi", "xcodec"}
    # every class named is one of transformers' model types, each with its reason
    assert set(UNSUPPORTED) <= set(CONFIG_MAPPING_NAMES)
    assert all(f"not supported: {t}: {why}" in text for t, why in UNSUPPORTED.items())
