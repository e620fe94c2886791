"""Agreement of the ViSQOL implementation with Google's C++ ViSQOL on Google's own test pairs.

Google's conformance test (``tests/conformance_test.cc`` of github.com/google/visqol, values in
``src/include/conformance.h``, v3.3) scores pairs of its ``testdata/`` folder and expects each
MOS-LQO to within 1e-4. This module replays those cases with ``visqol-python``, feeding it the
same files the C++ test reads (its own WAV reading, channels averaged, no resampling), and
prints a table::

    python -m bench.metrics.visqol_conformance /path/to/visqol   # a checkout of google/visqol

The audio files are Google's and are not part of this project. The measured table is in
docs/metrics.md.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

_SUBSET = "testdata/conformance_testdata_subset/"
_CA01 = "testdata/clean_speech/CA01_01.wav"


@dataclass(frozen=True)
class ConformanceCase:
    """One of Google's cases: files relative to the repository root, mode, mapper, expected MOS."""

    name: str
    reference: str
    degraded: str
    speech: bool
    lattice: bool
    expected: float
    unscaled: bool = False


def _audio(name: str, reference: str, degraded: str, expected: float) -> ConformanceCase:
    return ConformanceCase(name, _SUBSET + reference, _SUBSET + degraded, False, False, expected)


#: Google's cases and expected values (``src/include/conformance.h``).
CASES: tuple[ConformanceCase, ...] = (
    ConformanceCase("CA01 transcoded, speech, lattice", _CA01,
                    "testdata/clean_speech/transcoded_CA01_01.wav", True, True, 3.3129234313964844),
    ConformanceCase("CA01 transcoded, speech, exponential", _CA01,
                    "testdata/clean_speech/transcoded_CA01_01.wav", True, False, 3.374505555111911),
    ConformanceCase("CA01 identical, speech, lattice", _CA01, _CA01, True, True, 4.505550384521484),
    ConformanceCase("CA01 identical, speech, exponential unscaled", _CA01, _CA01, True, False,
                    4.015861169223797, unscaled=True),
    _audio("strauss lp35", "strauss48_stereo.wav", "strauss48_stereo_lp35.wav", 1.3888791489130758),
    _audio("steely lp7", "steely48_stereo.wav", "steely48_stereo_lp7.wav", 2.2501683734385183),
    _audio("sopr 256aac", "sopr48_stereo.wav", "sopr48_stereo_256kbps_aac.wav", 4.68228969737946),
    _audio("ravel 128opus", "ravel48_stereo.wav", "ravel48_stereo_128kbps_opus.wav", 4.465141897255348),
    _audio("moonlight 128aac", "moonlight48_stereo.wav", "moonlight48_stereo_128kbps_aac.wav",
           4.684292801646114),
    _audio("harpsichord 96mp3", "harpsichord48_stereo.wav", "harpsichord48_stereo_96kbps_mp3.wav",
           4.22374532766003),
    _audio("guitar 64aac", "guitar48_stereo.wav", "guitar48_stereo_64kbps_aac.wav", 4.349722308064298),
    _audio("glock 48aac", "glock48_stereo.wav", "glock48_stereo_48kbps_aac.wav", 4.332452943882108),
    _audio("contrabassoon 24aac", "contrabassoon48_stereo.wav",
           "contrabassoon48_stereo_24kbps_aac.wav", 2.346868205375293),
    _audio("castanets identical", "castanets48_stereo.wav", "castanets48_stereo.wav",
           4.732101253042348),
    ConformanceCase("guitar vs its 5 s cut", _SUBSET + "guitar48_stereo.wav",
                    "testdata/short_duration/5_second/guitar48_stereo_5_sec.wav", False, False,
                    4.314508583690198),
    ConformanceCase("5 s cut vs guitar", "testdata/short_duration/5_second/guitar48_stereo_5_sec.wav",
                    _SUBSET + "guitar48_stereo.wav", False, False, 4.550791119387646),
    ConformanceCase("guitar vs CA01, speech, lattice", _SUBSET + "guitar48_stereo.wav", _CA01, True,
                    True, 1.4982070922851562),
    ConformanceCase("guitar vs CA01, speech, exponential", _SUBSET + "guitar48_stereo.wav", _CA01,
                    True, False, 1.269675546824064),
    ConformanceCase("bad degraded, speech, lattice", "testdata/alignment/reference.wav",
                    "testdata/alignment/degraded.wav", True, True, 1.19293212890625),
    ConformanceCase("bad degraded, speech, exponential", "testdata/alignment/reference.wav",
                    "testdata/alignment/degraded.wav", True, False, 1.357521678867611),
)


def score_case(case: ConformanceCase, root: Path) -> float:
    """visqol-python's MOS-LQO for ``case``, the files read as Google's test reads them."""
    from visqol import VisqolApi

    api = VisqolApi()
    if case.speech:
        api.create(mode="speech", use_lattice_model=case.lattice, use_unscaled_speech=case.unscaled)
    else:
        api.create(mode="audio")
    return float(api.measure(str(root / case.reference), str(root / case.degraded)).moslqo)


def run(root: Path) -> list[dict[str, object]]:
    """Scores every case whose files exist under ``root``; one row per case."""
    rows: list[dict[str, object]] = []
    for case in CASES:
        if not (root / case.reference).exists() or not (root / case.degraded).exists():
            rows.append({"case": case.name, "expected": case.expected, "measured": None,
                         "difference": None, "seconds": None})
            continue
        start = time.perf_counter()
        measured = score_case(case, root)
        rows.append({"case": case.name, "expected": case.expected, "measured": measured,
                     "difference": measured - case.expected,
                     "seconds": time.perf_counter() - start})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a checkout of google/visqol (holds testdata/)")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("visqol").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print("| case | Google (C++) | visqol-python | difference | seconds |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in run(args.root):
        if row["measured"] is None:
            print(f"| {row['case']} | {row['expected']:.4f} | missing files | | |")
        else:
            print(f"| {row['case']} | {row['expected']:.4f} | {row['measured']:.4f} | "
                  f"{row['difference']:+.4f} | {row['seconds']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
