"""``EvalModel``: any ``bench.api`` codec or separator, as the suites see it.

One class for every model (no per-family adapters): it carries the table label, the spec the
user gave and the provenance the manifest records; converts the protocol's 16 kHz audio to the
model's own rate and back (``bench.models.rates``, the same path for every model); checks every
output against the contract (``bench.models.validation``: one line naming the spec); probes the
model on a short signal before a run; and knows the tasks the model can do
(``bench.models.capabilities``). Audio in and out of its methods is ``[batch, 1, time]`` at
``sample_rate`` (the protocol's 16 kHz) on ``device``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import Tensor

from bench.api import Codec, CodeStreams, ModelBase, Request, Separator
from bench.models import rates
from bench.models.capabilities import has_code_streams, is_codec, kind_of, tasks_of
from bench.models.validation import ModelOutputError, check_audio, check_tracks
from sdcodec.core.constants import MODEL_SAMPLE_RATE, TRACKS
from sdcodec.core.errors import BenchError, ConfigError, one_line

#: The probe: ``PROBE_BATCH`` clips of ``PROBE_SECONDS`` of seeded noise at -20 dBFS RMS.
PROBE_SECONDS: float = 0.5
PROBE_BATCH: int = 2
#: Tasks whose calls the probe makes: resynthesis-like ones and separation-like ones.
_CODING_TASKS = frozenset({"resynthesis", "ood-coding", "rate-distortion", "bitrate"})
_SEPARATING_TASKS = frozenset({"separation", "separation-mask"})


def code_stream_stages(codec: CodeStreams, audio: Tensor,
                       tracks: Sequence[str] | None = None) -> dict[str, Callable[[], Any]]:
    """encode (to codes), decode (from them) and roundtrip of ``audio`` at the codec's rate,
    through every stream or the streams of ``tracks``: zero-argument callables to time."""
    codes = codec.encode_codes(audio, tracks)
    length = audio.shape[-1]
    return {"encode": lambda: codec.encode_codes(audio, tracks),
            "decode": lambda: codec.decode_codes(codes, length),
            "roundtrip": lambda: codec.decode_codes(codec.encode_codes(audio, tracks), length)}


class ModelCallError(BenchError):
    """A model raised while the harness called it: the probe makes this fatal; during a run the
    engine retries the batch clip by clip and records a failing clip as skipped with ``reason``
    (the call and the error, without the spec)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


def _guarded(spec: str, call: str, fn: Callable[[], Any]) -> Any:
    """``fn()``; whatever it raises becomes a ``ModelCallError`` naming ``spec`` and ``call``
    (a contract violation of a model inside it, e.g. a cascade's codec, stays one)."""
    try:
        return fn()
    except ModelOutputError:
        raise
    except Exception as error:
        reason = f"{call} raised {one_line(error)}"
        raise ModelCallError(f"{spec}: {reason}", reason) from error


def check_implementation(spec: str, model: object) -> ModelBase:
    """``model`` must be a ``bench.api.Codec`` or ``Separator`` with a positive integer
    ``sample_rate``, track names from speech/music/sfx (a separator: at least one), a
    non-negative ``length_tolerance`` and positive ``quantizer_options``."""
    if not isinstance(model, (Codec, Separator)):
        raise ConfigError(f"{spec}: got {type(model).__module__}.{type(model).__qualname__}, neither a "
                          "bench.Codec nor a bench.Separator (subclass one of them; see bench.api)")
    rate = getattr(model, "sample_rate", None)
    if isinstance(rate, bool) or not isinstance(rate, int) or rate <= 0:
        raise ConfigError(f"{spec}: sample_rate must be a positive int in Hz, got {rate!r}")
    tracks = tuple(model.tracks)
    unknown = [t for t in tracks if t not in TRACKS]
    if unknown or len(set(tracks)) != len(tracks):
        raise ConfigError(f"{spec}: tracks must be distinct names from {', '.join(TRACKS)}, got {list(tracks)}")
    if isinstance(model, Separator) and not tracks:
        raise ConfigError(f"{spec}: a separator declares the tracks it returns (tracks = ('speech', ...))")
    tolerance = model.length_tolerance
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise ConfigError(f"{spec}: length_tolerance must be an int >= 0 (samples), got {tolerance!r}")
    options = tuple(getattr(model, "quantizer_options", ()))
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in options):
        raise ConfigError(f"{spec}: quantizer_options must be positive ints, got {list(options)}")
    return model


class EvalModel:
    """A ``bench.api`` model wrapped for the suites (see the module docstring).

    ``label``: the table row; ``spec``: what the user wrote (named in every error);
    ``provenance``: what the manifest records besides ``model.describe()`` (source, checkpoint,
    its SHA-256, ...); ``identity``: what the run hash uses (default ``model.identity()``).
    """

    def __init__(self, model: ModelBase, label: str, spec: str | None = None,
                 provenance: dict[str, Any] | None = None, identity: str | None = None,
                 sample_rate: int = MODEL_SAMPLE_RATE) -> None:
        self.spec = spec or label
        self.impl = check_implementation(self.spec, model)
        self.label = label
        self.provenance = dict(provenance or {})
        self.identity = identity or model.identity()
        self.sample_rate = int(sample_rate)
        self.model_rate = int(model.sample_rate)
        self.tracks: tuple[str, ...] = tuple(model.tracks)
        self.tasks: frozenset[str] = tasks_of(model)
        self.kind = kind_of(model)
        #: The numbers of quantizers the codec offers (``bench.api.Codec.quantizer_options``;
        #: checked by ``check_implementation``); empty: one fixed bitrate.
        self.quantizer_options: tuple[int, ...] = tuple(getattr(model, "quantizer_options", ()))
        self.device = torch.device("cpu")
        #: The number of quantizers every coding call uses (None: the codec's default); set by
        #: ``at`` for the rate-distortion suite's operating points.
        self.operating_point: int | None = None

    def to(self, device: str | torch.device) -> "EvalModel":
        self.impl.to(device)
        self.device = torch.device(device)
        return self

    def at(self, n_quantizers: int | None) -> "EvalModel":
        """This model coding with ``n_quantizers`` (one of its ``quantizer_options``; None: its
        default): a view sharing the implementation, for one operating point."""
        self._check_quantizers(n_quantizers)
        view = copy.copy(self)
        view.operating_point = n_quantizers
        return view

    # -- provenance -----------------------------------------------------------------------------
    def kbps(self, n_quantizers: int | None = None) -> float | None:
        """The nominal bitrate transmitted for one clip (a disentangled codec: every branch; a
        cascade: its codec's times the tracks coded), with ``n_quantizers`` quantizers (None:
        the default); None for a separator or when unknown."""
        nominal = getattr(self.impl, "nominal_kbps", None)
        if nominal is None:
            return None
        return nominal() if n_quantizers is None else nominal(n_quantizers=n_quantizers)

    def operating_points(self) -> list[dict[str, Any]]:
        """Each of the codec's ``quantizer_options`` with its nominal kbps: for the whole codec
        (``kbps``, what coding a mixture transmits) and for each track's branch alone
        (``track_kbps``; a codec without tracks: the whole codec)."""
        points = []
        for n in self.quantizer_options:
            total = self.kbps(n)
            tracks = {t: self.impl.nominal_kbps(track=t, n_quantizers=n) for t in self.tracks}
            points.append({"n_quantizers": n, "kbps": total, "track_kbps": tracks or None})
        return points

    def kbps_basis(self) -> str | None:
        """How ``kbps`` adds up, for table notes (``3 branches x 6 kbps``); None when it is not a sum."""
        basis = getattr(self.impl, "kbps_basis", None)
        if basis is not None:
            return basis()
        total = self.kbps()
        if total is None or not (is_codec(self.impl) and self.tracks):
            return None
        per = [self.impl.nominal_kbps(track=t) for t in self.tracks]
        if any(p is None for p in per):
            return None
        if len(set(per)) == 1:
            return f"{len(per)} branches x {per[0]:.3g} kbps"
        return " + ".join(f"{p:.3g}" for p in per) + f" kbps ({len(per)} branches)"

    def describe(self) -> dict[str, Any]:
        """What the run manifest records about this model (JSON: what is not becomes a string)."""
        import json

        return json.loads(json.dumps({"label": self.label, "spec": self.spec, "kind": self.kind, **self.provenance,
                "sample_rate": self.model_rate, "evaluation_rate": self.sample_rate,
                "resampled": self.model_rate != self.sample_rate, "tracks": list(self.tracks),
                "tasks": sorted(self.tasks), "kbps": self.kbps(), "kbps_basis": self.kbps_basis(),
                "identity": self.identity, "operating_points": self.operating_points(),
                **self.impl.describe()}, default=str))

    # -- rates and checks ---------------------------------------------------------------------
    def _in(self, audio: Tensor) -> Tensor:
        return rates.convert(audio, self.sample_rate, self.model_rate)

    def _out(self, out: object, call: str, batch: int, length: int, finite: bool) -> Tensor:
        """A model output checked at the model's rate, fitted to the input's length there, and
        converted back to ``length`` samples at ``sample_rate``."""
        model_length = rates.converted_length(length, self.sample_rate, self.model_rate)
        out = check_audio(self.spec, call, out, batch, model_length, self.model_rate,
                          self.impl.length_tolerance, finite)
        back = rates.convert(rates.fit_length(out, model_length), self.model_rate, self.sample_rate)
        return rates.fit_length(back, length)

    def _check_quantizers(self, n_quantizers: int | None) -> None:
        options = self.quantizer_options
        if n_quantizers is not None and n_quantizers not in options:
            raise ConfigError(f"{self.spec}: n_quantizers={n_quantizers} is not one of its "
                              f"quantizer_options {list(options) or '(none: one fixed bitrate)'}")

    # -- what the tasks call ------------------------------------------------------------------
    def resynthesize_many(self, requests: Sequence[Request], n_quantizers: int | None = None,
                          finite: bool = False) -> list[Tensor]:
        """``[(audio, track or None), ...]`` -> outputs in order (``bench.api.Codec``); with
        ``finite``, NaN/inf in an output is a contract violation (the probe)."""
        n_quantizers = self.operating_point if n_quantizers is None else n_quantizers
        self._check_quantizers(n_quantizers)
        batch, length = requests[0][0].shape[0], requests[0][0].shape[-1]
        inputs = [(self._in(a), t) for a, t in requests]
        outs = _guarded(self.spec, "resynthesize", lambda: self.impl.resynthesize_many(inputs, n_quantizers=n_quantizers))
        if not isinstance(outs, (list, tuple)) or len(outs) != len(requests):
            raise ModelOutputError(f"{self.spec}: resynthesize_many returned "
                                   f"{type(outs).__name__} for {len(requests)} requests; expected a "
                                   "list with one output per request")
        return [self._out(out, f"resynthesize(track={track!r})", batch, length, finite)
                for out, (_, track) in zip(outs, requests)]

    def separate(self, mix: Tensor, finite: bool = False) -> dict[str, Tensor]:
        """``mix`` -> ``{track: estimate}``: a separator's ``separate``, a disentangled codec's
        ``decode_tracks``."""
        call = "decode_tracks" if is_codec(self.impl) else "separate"
        method = self.impl.decode_tracks if is_codec(self.impl) else self.impl.separate
        model_mix = self._in(mix)
        out = check_tracks(self.spec, call, _guarded(self.spec, call, lambda: method(model_mix)), self.tracks)
        return {t: self._out(out[t], f"{call}()[{t!r}]", mix.shape[0], mix.shape[-1], finite)
                for t in self.tracks}

    def encode_codes(self, audio: Tensor) -> dict[str, Tensor]:
        """The codes of ``audio`` (at ``sample_rate``) per stream (``bench.api.CodeStreams``)."""
        model_audio = self._in(audio)
        return _guarded(self.spec, "encode_codes", lambda: self.impl.encode_codes(model_audio))

    def probe(self, tasks: Iterable[str]) -> None:
        """Makes each call ``tasks`` need once on a short seeded signal and checks the outputs
        (finite included): a contract violation or an exception is one line naming the spec,
        before any clip is evaluated."""
        needed = set(tasks) & self.tasks
        generator = torch.Generator().manual_seed(0)
        audio = 0.1 * torch.randn(PROBE_BATCH, 1, int(PROBE_SECONDS * self.sample_rate), generator=generator)
        audio = audio.to(self.device)
        calls: list[Callable[[], object]] = []
        if needed & _CODING_TASKS:
            requests = [(audio, None), *((audio, t) for t in self.tracks)]
            calls.append(lambda: self.resynthesize_many(requests, finite=True))
        if needed & _SEPARATING_TASKS:
            calls.append(lambda: self.separate(audio, finite=True))
        for call in calls:
            try:
                with torch.inference_mode():
                    call()
            except ModelCallError as error:
                raise ModelCallError(f"{error} (on the probe signal: {PROBE_BATCH} clips of "
                                     f"{PROBE_SECONDS} s of noise, before any clip)", error.reason) from error

    # -- the throughput suite -------------------------------------------------------------------
    def stages(self, audio: Tensor, tracks: Sequence[str] | None = None) -> dict[str, Callable[[], Any]]:
        """Name -> zero-argument callable, timed by the throughput suite on ``audio`` at the
        model's own rate: encode / decode / roundtrip for a codec with code streams (through
        every stream, or ``tracks`` only), roundtrip for another codec, separate for a separator."""
        impl = self.impl
        if has_code_streams(impl):
            return code_stream_stages(impl, audio, tracks)
        if is_codec(impl):
            return {"roundtrip": lambda: impl.resynthesize(audio)}
        return {"separate": lambda: impl.separate(audio)}

    def reference_timings(self, audio: Tensor) -> list[tuple[str, str, dict[str, Callable[[], Any]]]]:
        """Extra (implementation, branch, stages) the model offers to be timed against (a DAC-
        architecture codec: descript-audio-codec carrying the same weights); none by default."""
        extra = getattr(self.impl, "reference_timings", None)
        return [] if extra is None else list(extra(audio))
