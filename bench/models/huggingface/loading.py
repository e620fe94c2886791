"""``hf:`` model specs: parsing, checking and loading a ``transformers`` codec.

``hf:<repo id or local folder>[@revision][,key=value,...]``; keys: ``n_quantizers=N`` (any
codec) or ``bandwidth=KBPS`` (EnCodec, X-Codec) fix the operating point (without either, the
codec runs with all its quantizers and offers every operating point to the rate-distortion
suite). A local folder is what ``save_pretrained`` writes (``config.json`` and the weights); a
repo id goes through ``huggingface_hub``'s cache, honouring ``HF_HOME``, ``HF_HUB_CACHE``,
``HF_HUB_OFFLINE``, ``HF_ENDPOINT`` and ``HF_TOKEN``. The model is built from ``config.json``
with ``AutoConfig`` / ``AutoModel``; remote code is never trusted and weights are read with
safetensors or ``torch.load(weights_only=True)``.

Every failure is one line naming the spec and the fix (``ConfigError``: exit status 2).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdcodec.core.errors import ConfigError, first_line
from sdcodec.transposed_conv import route_transposed_convs

PREFIX = "hf:"
#: The ``transformers`` versions the HF codecs were tested with (``pip install -e '.[hf]'``).
TESTED_TRANSFORMERS = ">=5.23.0,<5.24"
INSTALL = "pip install -e '.[hf]'"
#: A hub repository id: ``name`` or ``owner/name``.
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
#: Spec arguments and their types.
_KINDS: dict[str, type] = {"n_quantizers": int, "bandwidth": float}
USAGE = "write hf:LOCATION[@REVISION][,n_quantizers=N | ,bandwidth=KBPS]"


@dataclass(frozen=True)
class HFSpec:
    """A parsed ``hf:`` spec: the local folder or hub repo id, the revision (hub only), and the
    operating point it fixes (``n_quantizers`` or ``bandwidth``; None: every one)."""

    text: str
    location: str
    revision: str | None
    local: bool
    n_quantizers: int | None = None
    bandwidth: float | None = None


def claims(text: str) -> bool:
    """Whether ``text`` is an ``hf:`` spec (nothing is read)."""
    return text.startswith(PREFIX)


def _number(text: str, key: str, kind: type, value: Any) -> Any:
    """``value`` (as ``parse_value`` read it) as a positive ``kind``."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not (whole or (kind is float and isinstance(value, float))):
        wanted = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{text}: {key}={value!r} is not {wanted}")
    if value <= 0:
        raise ConfigError(f"{text}: {key} must be positive, got {value}")
    return kind(value)


def parse_hf_spec(text: str) -> HFSpec:
    """``hf:LOCATION[@REVISION][,key=value,...]`` -> ``HFSpec`` (nothing is read but whether
    ``LOCATION`` is an existing folder)."""
    from bench.models.plugins import keyword_arguments

    body, _, arguments = text[len(PREFIX):].partition(",")
    settings = keyword_arguments(text, arguments, USAGE)
    unknown = sorted(set(settings) - set(_KINDS))
    if unknown:
        raise ConfigError(f"{text}: unknown argument {unknown[0]!r} ({USAGE})")
    if len(settings) > 1:
        raise ConfigError(f"{text}: give n_quantizers or bandwidth, not both")
    for key, value in settings.items():
        settings[key] = _number(text, key, _KINDS[key], value)
    if not body:
        raise ConfigError(f"{text}: name a local model folder or a hub repo id after hf:")
    if Path(body).expanduser().is_dir():
        return HFSpec(text, str(Path(body).expanduser()), None, True, **settings)
    location, at, revision = body.rpartition("@") if "@" in body else (body, "", "")
    if at and not revision:
        raise ConfigError(f"{text}: empty revision after '@'")
    if Path(location).expanduser().is_dir():
        raise ConfigError(f"{text}: a local folder has no revision; drop '@{revision}'")
    if not _REPO_ID.match(location) or location.startswith((".", "~")):
        raise ConfigError(f"{text}: no such folder {location!r} (nor a hub repo id like owner/name)")
    return HFSpec(text, location, revision or None, False, **settings)


# -- transformers -------------------------------------------------------------------------
def require_transformers(spec: str) -> Any:
    """The ``transformers`` module, when installed at a tested version; else one line saying
    how to install it."""
    try:
        import transformers
    except ImportError:
        raise ConfigError(f"{spec}: Hugging Face codecs need transformers, which is not installed "
                          f"({INSTALL})") from None
    from packaging.specifiers import SpecifierSet

    if transformers.__version__ not in SpecifierSet(TESTED_TRANSFORMERS):
        raise ConfigError(f"{spec}: transformers {transformers.__version__} is outside the tested "
                          f"range {TESTED_TRANSFORMERS} ({INSTALL} installs the tested version)")
    return transformers


@contextlib.contextmanager
def _quiet(transformers: Any) -> Iterator[None]:
    """``transformers`` without its loading report and progress bars (errors are ours)."""
    logging = transformers.utils.logging
    verbosity, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()


def _hub_error(spec: HFSpec, error: BaseException) -> ConfigError:
    """One line for a hub repo that could not be read."""
    from huggingface_hub import constants
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError

    if isinstance(error, GatedRepoError):
        return ConfigError(f"{spec.text}: {spec.location} is gated: accept its terms on the hub and "
                           "log in (hf auth login, or HF_TOKEN)")
    if isinstance(error, RevisionNotFoundError):
        return ConfigError(f"{spec.text}: {spec.location} has no revision {spec.revision!r}")
    if isinstance(error, RepositoryNotFoundError):
        return ConfigError(f"{spec.text}: no repository {spec.location} on the hub (private? log in "
                           "with hf auth login, or set HF_TOKEN)")
    offline = "offline mode is on (HF_HUB_OFFLINE)" if constants.is_offline_mode() else \
        "the hub could not be reached"
    return ConfigError(f"{spec.text}: {spec.location} is not in the Hugging Face cache "
                       f"({constants.HF_HUB_CACHE}) and {offline}; download it once with network "
                       f"(hf download {spec.location}), point HF_HOME at a cache holding it, or "
                       "give a local folder (hf:/path/to/folder)")


def _where(spec: HFSpec) -> dict[str, Any]:
    return {"revision": spec.revision, "trust_remote_code": False}


def read_config(spec: HFSpec, transformers: Any) -> Any:
    """The spec's ``config.json`` through ``AutoConfig`` (a hub repo: from the cache or the hub)."""
    if spec.local and not (Path(spec.location) / "config.json").is_file():
        raise ConfigError(f"{spec.text}: no config.json in {spec.location} (a Hugging Face model "
                          "folder holds config.json and the weights, as save_pretrained writes them)")
    try:
        with _quiet(transformers):
            return transformers.AutoConfig.from_pretrained(spec.location, **_where(spec))
    except OSError as error:
        if spec.local:
            raise ConfigError(f"{spec.text}: unreadable config.json ({first_line(error)})") from None
        raise _hub_error(spec, error) from None
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{spec.text}: config.json is not a transformers configuration "
                          f"({first_line(error)})") from None


def codec_kind(spec: HFSpec, config: Any):
    """The ``CodecKind`` of the config's ``model_type``; one line when it is not a codec sdbench
    drives."""
    from bench.models.huggingface.kinds import HF_CODECS, UNSUPPORTED

    model_type = getattr(config, "model_type", None)
    if model_type in HF_CODECS:
        return HF_CODECS.get(model_type)
    supported = ", ".join(HF_CODECS.names())
    if model_type in UNSUPPORTED:
        raise ConfigError(f"{spec.text}: {model_type} is not supported: {UNSUPPORTED[model_type]} "
                          f"(supported: {supported})")
    raise ConfigError(f"{spec.text}: config.json describes a {model_type!r} model, not an audio codec "
                      f"sdbench drives (supported model types: {supported})")


def operating_points(spec: HFSpec, kind: Any, config: Any) -> tuple[dict[int, dict[str, Any]], int]:
    """(the operating points the spec offers, the default): every one and the largest, or the
    one that ``n_quantizers=`` / ``bandwidth=`` fixes."""
    points = kind.operating_points(config)
    if spec.bandwidth is not None:
        offered = kind.bandwidths(config)
        if not offered:
            raise ConfigError(f"{spec.text}: this codec takes no bandwidth; give n_quantizers= one of "
                              f"{', '.join(map(str, points))}")
        if spec.bandwidth not in offered:
            raise ConfigError(f"{spec.text}: bandwidth={spec.bandwidth:g} is not offered; choose one of "
                              f"{', '.join(f'{b:g}' for b in offered)} (kbps)")
        chosen = kind.quantizers_at(config, spec.bandwidth)
        return {chosen: {"bandwidth": spec.bandwidth}}, chosen
    if spec.n_quantizers is not None:
        if spec.n_quantizers not in points:
            raise ConfigError(f"{spec.text}: n_quantizers={spec.n_quantizers} is not offered; choose one "
                              f"of {', '.join(map(str, points))}")
        return {spec.n_quantizers: points[spec.n_quantizers]}, spec.n_quantizers
    return points, max(points)


def check_hf_spec(text: str) -> None:
    """Raises what loading would for a spec that cannot load, reading only ``config.json``
    (no weights): the preflight of ``bench run``."""
    spec = parse_hf_spec(text)
    transformers = require_transformers(text)
    config = read_config(spec, transformers)
    operating_points(spec, codec_kind(spec, config), config)


def _weights_error(spec: HFSpec, info: dict[str, Any]) -> ConfigError | None:
    """One line when the weights do not match the config (missing, unexpected or reshaped)."""
    missing, unexpected = sorted(info.get("missing_keys") or ()), sorted(info.get("unexpected_keys") or ())
    reshaped = sorted(info.get("mismatched_keys") or ())
    if not (missing or unexpected or reshaped):
        return None
    counts = ", ".join(f"{n} {what}" for n, what in ((len(missing), "missing"), (len(unexpected), "unexpected"),
                                                     (len(reshaped), "of another shape")) if n)
    first = (missing or unexpected or [r[0] for r in reshaped])[0]
    return ConfigError(f"{spec.text}: the weights do not match config.json ({counts}; first: {first}); "
                       "save the model and its config together with save_pretrained")


def load_model(spec: HFSpec, transformers: Any, config: Any) -> Any:
    """The model built from ``config`` with its weights (``AutoModel``), in eval mode."""
    try:
        with _quiet(transformers):
            model, info = transformers.AutoModel.from_pretrained(
                spec.location, config=config, output_loading_info=True, ignore_mismatched_sizes=True,
                **_where(spec))
    except OSError as error:
        if spec.local:
            raise ConfigError(f"{spec.text}: no readable weights in {spec.location} "
                              f"({first_line(error)}); save them with save_pretrained") from None
        raise _hub_error(spec, error) from None
    except Exception as error:  # a corrupt weights file: safetensors or torch raise their own types
        raise ConfigError(f"{spec.text}: cannot load the weights ({first_line(error)})") from None
    problem = _weights_error(spec, info)
    if problem is not None:
        raise problem
    return model.eval()


def _commit(spec: HFSpec) -> str | None:
    """The hub commit whose files were loaded (the cache's snapshot folder); None for a folder."""
    if spec.local:
        return None
    from huggingface_hub import try_to_load_from_cache

    path = try_to_load_from_cache(spec.location, "config.json", revision=spec.revision)
    return Path(path).parent.name if isinstance(path, str) else None


def load_hf_codec(text: str):
    """The ``bench.api`` codec of an ``hf:`` spec and what the manifest records of its source."""
    from bench.models.huggingface.codec import build_codec

    spec = parse_hf_spec(text)
    transformers = require_transformers(text)
    config = read_config(spec, transformers)
    kind = codec_kind(spec, config)
    points, default = operating_points(spec, kind, config)
    model = load_model(spec, transformers, config)
    # torch 2.13's oneDNN transposed convolution is wrong on 2+ CPU threads for some shapes
    # (sdcodec.transposed_conv); transformers' decoders use plain nn.ConvTranspose1d
    routed = route_transposed_convs(model)
    source = {"location": spec.location, "local": spec.local, "revision": spec.revision,
              "commit": _commit(spec), "transformers": transformers.__version__,
              "transposed_convs_without_onednn": routed}
    return build_codec(model, kind, points, default, source), source
