"""Clip ids and the track a clip was cut from.

A DnR evaluation clip is a chunk of a longer track (10 s chunks of tracks of about a minute), so
clips of one track are not independent samples. The manifest names a clip
``<track_id>_<chunk index>`` (``clip_id``); ``track_of`` reads the track back, which is what the
statistics resample (``bench.stats``). The synthetic set (``bench.data.synth``) is written in
DnR's layout, so its clips are chunks of its tracks in the same way.
"""

from __future__ import annotations


def clip_id(track_id: str, chunk: int) -> str:
    """The id of chunk ``chunk`` (0-based, counting dropped chunks too) of track ``track_id``."""
    return f"{track_id}_{int(chunk)}"


def track_of(clip: str) -> str:
    """The track id of a clip id made by ``clip_id``; an id of another form (no ``_<digits>``
    suffix) is its own track, so that such clips are resampled one by one."""
    track, sep, chunk = str(clip).rpartition("_")
    return track if sep and track and chunk.isdigit() else str(clip)
