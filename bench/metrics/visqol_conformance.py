"""Agreement of the ViSQOL implementation with Google's C++ ViSQOL on Google's own test pairs.

Google's conformance test (``tests/conformance_test.cc`` of github.com/google/visqol, values in
``src/include/conformance.h``, v3.3) scores pairs of its ``testdata/`` folder and expects each
MOS-LQO to within 1e-4. This module replays those cases with ``visqol-python``, feeding it the
same files the C++ test reads (its own WAV reading, channels averaged, no resampling), and
prints a table and how many cases of each mode are within that tolerance::

    python -m bench.metrics.visqol_conformance /path/to/visqol   # a checkout of google/visqol

The audio files are Google's and are not part of this project. The measured table is in
docs/metrics.md, its differences in ``MEASURED_DIFFERENCES``.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

#: Google's tolerance on every case (``kTolerance`` in ``tests/conformance_test.cc``).
TOLERANCE = 1e-4

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


#: visqol-python's MOS-LQO minus Google's expected value, per case, as this module measured it
#: on Google's files (google/visqol at 38d0b01, visqol-python 3.8.0, numba 0.68.1, numpy 2.4.6,
#: 2026-12-01; deterministic: the same on a second machine, with or without numba). The record
#: behind docs/metrics.md's table and the README's summary (tests/metrics/test_visqol.py checks
#: that they say what it says); re-measure with ``python -m bench.metrics.visqol_conformance``.
MEASURED_DIFFERENCES: dict[str, float] = {
    "CA01 transcoded, speech, lattice": +2.38e-03,
    "CA01 transcoded, speech, exponential": +1.06e-03,
    "CA01 identical, speech, lattice": -6.20e-06,
    "CA01 identical, speech, exponential unscaled": 0.0,
    "strauss lp35": -2.09e-14,
    "steely lp7": -3.55e-15,
    "sopr 256aac": 0.0,
    "ravel 128opus": -6.22e-15,
    "moonlight 128aac": -3.55e-15,
    "harpsichord 96mp3": -3.46e-14,
    "guitar 64aac": +1.07e-14,
    "glock 48aac": -6.48e-14,
    "contrabassoon 24aac": -1.17e-04,
    "castanets identical": 0.0,
    "guitar vs its 5 s cut": -2.13e-14,
    "5 s cut vs guitar": -8.88e-16,
    "guitar vs CA01, speech, lattice": -6.67e-03,
    "guitar vs CA01, speech, exponential": -6.70e-04,
    "bad degraded, speech, lattice": +3.11e-03,
    "bad degraded, speech, exponential": +2.79e-02,
}


def agreement_lines(differences: dict[str, float | None]) -> list[str]:
    """``"<mode>: N of M cases within 1e-4"``, one line per mode (what ``main`` prints)."""
    return [f"{mode}: {within} of {total} cases within {TOLERANCE:g}"
            for mode, (within, total) in agreement(differences).items()]


def score_case(case: ConformanceCase, root: Path) -> float:
    """visqol-python's MOS-LQO for ``case``, the files read as Google's test reads them."""
    from visqol import VisqolApi

    api = VisqolApi()
    if case.speech:
        api.create(mode="speech", use_lattice_model=case.lattice, use_unscaled_speech=case.unscaled)
    else:
        api.create(mode="audio")
    return float(api.measure(str(root / case.reference), str(root / case.degraded)).moslqo)


def mode_of(case: ConformanceCase) -> str:
    """``audio``, ``speech, lattice`` or ``speech, exponential`` (the mapper Google's case uses)."""
    if not case.speech:
        return "audio"
    return "speech, lattice" if case.lattice else "speech, exponential"


def agreement(differences: dict[str, float | None]) -> dict[str, tuple[int, int]]:
    """Per mode: (cases within Google's ``TOLERANCE``, cases measured), from case name ->
    measured minus expected MOS (None: not measured)."""
    counts: dict[str, tuple[int, int]] = {}
    for case in CASES:
        difference = differences.get(case.name)
        if difference is None:
            continue
        within, total = counts.get(mode_of(case), (0, 0))
        counts[mode_of(case)] = (within + (abs(difference) <= TOLERANCE), total + 1)
    return counts


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
    print(f"| case | mode | Google (C++) | visqol-python | difference | within {TOLERANCE:g} | seconds |")
    print("| --- | --- | ---: | ---: | ---: | :---: | ---: |")
    rows = run(args.root)
    for row, case in zip(rows, CASES):
        if row["measured"] is None:
            print(f"| {row['case']} | {mode_of(case)} | {row['expected']:.6f} | missing files | | | |")
        else:
            within = "yes" if abs(row["difference"]) <= TOLERANCE else "**no**"
            print(f"| {row['case']} | {mode_of(case)} | {row['expected']:.6f} | {row['measured']:.6f} | "
                  f"{row['difference']:+.2e} | {within} | {row['seconds']:.2f} |")
    print()
    for line in agreement_lines({r["case"]: r["difference"] for r in rows}):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
