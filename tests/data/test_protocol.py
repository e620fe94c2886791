"""The two protocols: identical rules, different test folder."""

from __future__ import annotations

import pytest

from sdcodec.core.dataclass_json import from_dict, to_dict
from bench.data.protocol import PROTOCOLS, Protocol, get_protocol
from sdcodec.core.errors import ConfigError


def test_authors_reads_cv_for_both_splits_corrected_reads_tt_for_test() -> None:
    authors, corrected = get_protocol("authors"), get_protocol("corrected")
    assert (authors.folder("val"), authors.folder("test")) == ("cv", "cv")
    assert (corrected.folder("val"), corrected.folder("test")) == ("cv", "tt")


def test_shared_rules() -> None:
    for name in PROTOCOLS.names():
        p = get_protocol(name)
        assert p.chunk_seconds == {"val": 5.0, "test": 10.0}
        assert (p.trim_top_db, p.manifest_min_active, p.score_min_active) == (30.0, 0.5, 0.4)
        assert (p.stft.n_fft, p.stft.hop_length, p.stft.window, p.stft.pad_mode, p.stft.threshold) == \
            (1024, 256, "hann", "reflect", 1e-6)
        assert (p.native_sample_rate, p.model_sample_rate) == (44_100, 16_000)
        assert p.chunk_frames("test") == 441_000 and p.chunk_frames("val", 16_000) == 80_000


def test_round_trip_hash_and_errors() -> None:
    p = get_protocol("corrected")
    assert from_dict(Protocol, to_dict(p)) == p and hash(p) == hash(from_dict(Protocol, to_dict(p)))
    assert get_protocol(p) is p
    with pytest.raises(ConfigError, match="known: authors, corrected"):
        get_protocol("nope")
    with pytest.raises(ConfigError, match="unknown split"):
        p.folder("train")
