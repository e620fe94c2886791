"""The data layer: DnR on disk, the paper's evaluation protocol, manifests and evaluation clips.

- ``audio``: reading WAV files (``read_audio``, ``audio_info``) with clear errors;
- ``resample``: julius' band-limited resampling, cached per rate pair;
- ``activity``: the protocol's STFT activity test and the 30 dB trim of the mixture;
- ``protocol``: the ``authors`` and ``corrected`` protocols (``PROTOCOLS``, ``get_protocol``);
- ``dnr`` and ``check``: the DnR folder layout, its validation and ``check_dataset``;
- ``manifest``: ``build_manifest`` (cached) and ``dataset_hash``;
- ``eval_clips``: ``EvalClips``, the 16 kHz evaluation clips, and ``collate``;
- ``synth``: the built-in synthetic DnR-like dataset (``write_synthetic_dnr``,
  ``default_synth_root``);
- ``hf``: a Hugging Face ``datasets`` adapter (``load_dnr``).

Sub-modules are imported on demand so that importing ``bench.data`` stays light.
"""
