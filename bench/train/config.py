"""Training configurations: the frozen ``TrainConfig``, its named presets, and ``key=value`` overrides.

A ``TrainConfig`` holds everything a run depends on, so that ``config.json`` in the run folder
(and the copy inside every checkpoint) reproduces it exactly:

- ``family`` and ``model``: the model family (``sdcodec``, ``dac``, ``tdanet``) and its fully
  resolved configuration (``sdcodec.core.dataclass_json.to_dict`` of the family's dataclass; named after the
  preset it came from in ``preset``);
- ``data``: the resolved ``bench.train.data.TrainDataConfig`` (as a dict, validated against
  that dataclass);
- ``discriminator``: the resolved ``sdcodec.discriminator.DiscriminatorConfig`` (codec recipes)
  or ``None`` (TDANet);
- ``optimizer``, ``scheduler``, ``loss`` (weights), and the loop's settings (steps, global
  batch, precision, seed, intervals).

Named configurations (``TRAIN_CONFIGS``) are functions of the model family; ``paper`` is the
authors' recipe (``config/training/bs8_iter400k.yaml``). Overrides are ``section.key=value``
(``optimizer.lr=3e-4``, ``model.n_codebooks=8``, ``data.segment_seconds=1``) or top-level keys
(``total_steps=1000``); ``discriminator=null`` trains a codec without the adversarial terms;
values are parsed as JSON when possible and type-checked against the
field's annotation; an unknown key is a ``ConfigError`` listing the known ones.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdcodec.core.dataclass_json import from_dict, replace, to_dict
from sdcodec.core.errors import ConfigError
from sdcodec.core.registry import Registry

#: Mixed-precision modes: ``fp16`` (autocast + GradScaler, the paper's), ``bf16`` (autocast, no
#: scaler), ``fp32`` (none). Autocast is used on CUDA only; CPU runs are always fp32.
PRECISIONS: tuple[str, ...] = ("fp16", "bf16", "fp32")

#: Model families a training recipe exists for, and the recipe each uses by default.
FAMILY_RECIPES: dict[str, str] = {"sdcodec": "codec", "dac": "codec", "tdanet": "separator"}


@dataclass(frozen=True)
class OptimizerConfig:
    """``torch.optim`` optimiser. The authors use ``AdamW(lr=1e-4, betas=(0.8, 0.99))`` with
    torch's default weight decay (0.01; their ``weight_decay: 1e-5`` line is commented out)."""

    name: str = "adamw"
    lr: float = 1e-4
    betas: tuple[float, float] = (0.8, 0.99)
    weight_decay: float = 0.01
    eps: float = 1e-8


@dataclass(frozen=True)
class SchedulerConfig:
    """Learning-rate factor per optimiser step ``s`` (0-based, as the authors'
    ``ExponentialLRScheduler``): ``s / warmup_steps`` during warm-up, then
    ``gamma ** (s - warmup_steps + 1)`` up to ``total_steps``, then ``lr_min_ratio``.
    ``name="constant"`` keeps the warm-up and drops the decay."""

    name: str = "exponential"
    warmup_steps: int = 10_000
    gamma: float = 0.999996
    lr_min_ratio: float = 0.0


@dataclass(frozen=True)
class LossWeights:
    """Weights of the generator's loss terms (authors' ``loss.lambdas``). ``stft`` is 0 as in the
    authors' recipe (they log the multi-scale STFT distance but leave it out of the total).
    ``si_sdr`` (0 in the authors' recipe) weighs a negative SI-SDR (dB) of every output: a
    waveform objective that makes short CPU runs (``tiny``) phase-accurate quickly. ``waveform``
    (0 in the authors' recipe, as DAC's ``L1Loss`` weight) weighs the mean absolute sample error:
    from a random initialisation the SI-SDR gradient alone is too erratic for a few hundred CPU
    steps, and the L1 term pulls the outputs into phase first. ``snr`` (0 in the authors' recipe)
    weighs a negative SNR (dB) of the audible references: a normalised waveform error that, unlike
    L1, weighs quiet and hard tracks as much as loud ones (``bench.train.objectives.snr_per_output``).
    ``silence`` (0 in the authors' recipe) weighs the level (dB, relative to the input mixture,
    floored at -30) of the outputs whose reference is silent: with ``TrainConfig.absent_silent``
    the absent tracks' branches (``bench.train.objectives.silence_level_of_inaudible``)."""

    mel: float = 15.0
    adv: float = 1.0
    feature: float = 2.0
    commitment: float = 0.25
    codebook: float = 1.0
    stft: float = 0.0
    si_sdr: float = 0.0
    waveform: float = 0.0
    snr: float = 0.0
    silence: float = 0.0


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Steps count optimiser updates; ``batch_size`` is the GLOBAL batch
    (examples per step over all processes; it must divide by the world size); segment length
    and mixing live in ``data``. ``precision`` applies on CUDA (CPU runs are fp32).
    ``init_from_dac``: path of a DAC checkpoint whose weights initialise every SD-Codec branch
    (``sdcodec.init_dac.init_from_dac``) before step 0; ``init_from_dac_mode``: ``"copy"`` does
    that, ``"authors"`` does what the authors' published code does, which reads the file and
    copies nothing, so the run starts from random weights (``sdcodec.init_dac``).
    ``data_workers``: processes building batches ahead of the loop (``TrainBatches.loader``; 0
    builds them in the loop).
    ``codebook_init_scale``: factor on the codebooks' initial N(0, 1) entries (1 = DAC's init).
    Adam moves an entry about ``lr`` per step, so unit-size entries need ~1/lr steps to reach the
    encoder's scale; until then the decoder sees codebook noise and the waveform cannot be
    learnt. Harmless over 400k steps, fatal over a few hundred: ``tiny`` uses 0.01.
    ``quantize_prob``: probability that a training example is quantized; the others pass the
    quantizers unquantized (``sdcodec.quantize.ResidualVectorQuantize``; 1 = the authors' recipe;
    ``tiny`` uses 0.5, Mimi's rate). ``absent_silent``: SD-Codec also decodes the branches of
    the tracks a training mixture lacks, against silence (``bench.train.targets.codec_outputs``;
    False = the authors' recipe, which leaves them out of the loss)."""

    name: str = "paper"
    family: str = "sdcodec"
    recipe: str = "codec"
    preset: str = "16k"
    model: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    discriminator: dict[str, Any] | None = field(default_factory=dict)
    optimizer: OptimizerConfig = OptimizerConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    loss: LossWeights = LossWeights()
    total_steps: int = 400_000
    batch_size: int = 64
    grad_clip: float = 10.0
    precision: str = "fp16"
    seed: int = 42
    log_every: int = 100
    checkpoint_every: int = 5_000
    keep_checkpoints: int = 2
    data_workers: int = 8
    init_from_dac: str | None = None
    init_from_dac_mode: str = "copy"
    codebook_init_scale: float = 1.0
    quantize_prob: float = 1.0
    absent_silent: bool = False

    def __post_init__(self) -> None:
        for name in ("model", "data", "discriminator"):  # kept in their JSON form (lists, not tuples)
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, json.loads(json.dumps(value)))
        if self.family not in FAMILY_RECIPES:
            raise ConfigError(f"TrainConfig.family {self.family!r} unknown; known: {', '.join(FAMILY_RECIPES)}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"TrainConfig.precision {self.precision!r} unknown; known: {', '.join(PRECISIONS)}")
        if self.data_workers < 0:
            raise ConfigError(f"TrainConfig.data_workers must be >= 0, got {self.data_workers}")
        for name in ("total_steps", "batch_size", "log_every", "checkpoint_every", "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise ConfigError(f"TrainConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.scheduler.warmup_steps < 0:
            raise ConfigError("TrainConfig.scheduler.warmup_steps must be >= 0")
        if self.codebook_init_scale <= 0:
            raise ConfigError(f"TrainConfig.codebook_init_scale must be positive, got {self.codebook_init_scale}")
        if not 0.0 < self.quantize_prob <= 1.0:
            raise ConfigError(f"TrainConfig.quantize_prob must lie in (0, 1], got {self.quantize_prob}")
        if self.init_from_dac is not None and self.family != "sdcodec":
            raise ConfigError("TrainConfig.init_from_dac only applies to the sdcodec family")
        from sdcodec.init_dac import INIT_FROM_DAC_MODES

        if self.init_from_dac_mode not in INIT_FROM_DAC_MODES:
            raise ConfigError(f"TrainConfig.init_from_dac_mode {self.init_from_dac_mode!r} unknown; "
                              f"known: {', '.join(INIT_FROM_DAC_MODES)}")
        if self.init_from_dac_mode != "copy" and self.init_from_dac is None:
            raise ConfigError(f"TrainConfig.init_from_dac_mode={self.init_from_dac_mode} needs init_from_dac "
                              "(the DAC checkpoint the authors' code reads)")
        if self.absent_silent and self.family != "sdcodec":
            raise ConfigError("TrainConfig.absent_silent only applies to the sdcodec family (branches per track)")

    def model_config(self) -> Any:
        """The family's model configuration dataclass built from ``model``."""
        return from_dict(family_class(self.family).config_cls, self.model)

    def data_config(self) -> Any:
        """The ``TrainDataConfig`` built from ``data``."""
        from bench.train.data import TrainDataConfig

        return from_dict(TrainDataConfig, self.data)

    def discriminator_config(self) -> Any | None:
        """The ``DiscriminatorConfig`` built from ``discriminator`` (``None`` without one)."""
        if self.discriminator is None:
            return None
        from sdcodec.discriminator import DiscriminatorConfig

        return from_dict(DiscriminatorConfig, self.discriminator)


def family_class(family: str) -> Any:
    """The registered ``ModelFamily`` class for ``family``."""
    from sdcodec.families import load_families

    return load_families().get(family)


# -- named configurations ---------------------------------------------------------------------

ConfigFactory = Callable[[str], TrainConfig]

#: Named configurations: ``factory(family) -> TrainConfig``.
TRAIN_CONFIGS: Registry[ConfigFactory] = Registry("training configuration")


def _data_defaults() -> dict[str, Any]:
    from bench.train.data import TrainDataConfig

    return to_dict(TrainDataConfig())


def _discriminator_defaults() -> dict[str, Any]:
    from sdcodec.discriminator import DiscriminatorConfig

    return to_dict(DiscriminatorConfig())


def _require(family: str, allowed: Sequence[str], name: str) -> None:
    if family not in allowed:
        raise ConfigError(f"training configuration {name!r} is for {' / '.join(allowed)}, not {family!r}"
                          + (" (use --config tdanet)" if family == "tdanet" else ""))


def codec_config(family: str, preset: str, name: str, data: dict[str, Any] | None = None, **fields: Any) -> TrainConfig:
    """A codec (SD-Codec or DAC) training configuration on the authors' recipe, with the model
    ``preset`` of ``family``, data fields ``data`` replaced and top-level ``fields`` replaced."""
    model = family_class(family).presets()[preset]
    return TrainConfig(
        name=name, family=family, recipe="codec", preset=preset, model=to_dict(model),
        data={**_data_defaults(), **(data or {})}, discriminator=_discriminator_defaults(), **fields,
    )


def _register_codec(name: str, preset_by_family: dict[str, str], data: dict[str, Any] | None = None, **fields: Any) -> None:
    def factory(family: str) -> TrainConfig:
        _require(family, list(preset_by_family), name)
        return codec_config(family, preset_by_family[family], name, data, **fields)

    factory.__doc__ = f"{name}: model preset per family {preset_by_family}"
    TRAIN_CONFIGS.add(name, factory)


# The authors' recipe (``bs8_iter400k.yaml``): 60/20/20 track counts, swap probability 0.5.
_register_codec("paper", {"sdcodec": "16k", "dac": "16k"})
_register_codec("separation-enhance", {"sdcodec": "16k"}, data={"track_count_probs": (0.2, 0.2, 0.6)})
_register_codec("shared4", {"sdcodec": "16k-shared4"})
_register_codec("shared8", {"sdcodec": "16k-shared8"})
_register_codec("init-dac", {"sdcodec": "16k-init-dac"})


@TRAIN_CONFIGS.register("tdanet")
def tdanet_config(family: str = "tdanet", preset: str = "16k", name: str = "tdanet") -> TrainConfig:
    """TDANet on the same data (always all three tracks, no swap), Look2Hear's optimiser
    (Adam, lr 1e-3, no weight decay, gradient clipping 5), fp32, constant learning rate (Look2Hear
    halves it on a validation plateau, which a step-based loop does not have)."""
    _require(family, ["tdanet"], name)
    model = family_class("tdanet").presets()[preset]
    return TrainConfig(
        name=name, family="tdanet", recipe="separator", preset=preset, model=to_dict(model),
        data={**_data_defaults(), "track_count_probs": (0.0, 0.0, 1.0), "swap_prob": 0.0},
        discriminator=None,
        optimizer=OptimizerConfig(name="adam", lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0),
        scheduler=SchedulerConfig(name="constant", warmup_steps=0, gamma=1.0),
        grad_clip=5.0, precision="fp32",
    )


#: CPU-sized settings of the ``tiny`` configuration per family (the embedded default models).
_TINY_CODEC: dict[str, Any] = dict(
    total_steps=800, batch_size=8, optimizer=OptimizerConfig(lr=1e-3), grad_clip=0.0, codebook_init_scale=0.01,
    quantize_prob=0.5, loss=LossWeights(mel=0.0, waveform=100.0, snr=1.0, commitment=1.0, codebook=10.0))
TINY_SETTINGS: dict[str, dict[str, Any]] = {
    "dac": _TINY_CODEC,
    # SD-Codec also learns from the absent tracks' branches (silent targets), 1400 steps.
    "sdcodec": {**_TINY_CODEC, "total_steps": 1400, "absent_silent": True},
    "tdanet": dict(total_steps=4000, batch_size=8),
}

#: Gain augmentation of the tiny codecs: mixtures at -22 +/- 6 LUFS (-28 to -16) instead of the
#: authors' -27 +/- 2, so that the evaluation mixtures (DnR levels, about -17 LUFS) lie inside the
#: training range; a small codec trained at one level codes another badly (the -27 LUFS tiny
#: SD-Codec scored 4 dB more speech SI-SDRi on the same clips turned down by 9 dB).
TINY_GAIN: dict[str, float] = {"mix_lufs": -22.0, "mix_variation_db": 6.0}

#: Data settings of ``tiny`` per family: the synthetic set, 0.5 s segments; SD-Codec keeps the
#: paper's 60/20/20 track counts (``tiny-sepenhance`` is the 20/20/60 ablation) without the swap.
TINY_DATA: dict[str, dict[str, Any]] = {
    "sdcodec": {"segment_seconds": 0.5, "swap_prob": 0.0, **TINY_GAIN},
    "dac": {"segment_seconds": 0.5, **TINY_GAIN},
    "tdanet": {"segment_seconds": 0.5},
}


@TRAIN_CONFIGS.register("tiny")
def tiny_config(family: str) -> TrainConfig:
    """The ``tiny`` model preset of any family on the built-in synthetic set, short enough for a
    CPU (the embedded default checkpoints are trained with it): 0.5 s segments, batch 8, lr 1e-3
    with no warm-up and no decay, frequent logs and checkpoints. The codecs are trained without a
    discriminator (DAC's costs about 20 times the tiny codec per step on a CPU) and, instead of
    the mel term, on waveform terms (100 x L1 + 1 x negative SNR of the audible references),
    with codebooks initialised at 0.01 x DAC's scale, commitment weight 1, codebook weight 10,
    no gradient clipping and no latent swap: measured on the synthetic set, the mel and SI-SDR
    terms leave a few-hundred-step run below -10 dB mixture SI-SDR, L1 alone lets the sparse
    tracks (sfx) collapse to silence, unit-scale codebooks stay noise for ~1/lr steps, and
    codebook weight 10 instead of 1 gave the tiny DAC -1.6 instead of -3.1 dB mixture SI-SDR
    after 300 steps. SD-Codec keeps the paper's 60/20/20 track counts, trains 1400 steps (DAC
    800) and decodes the absent tracks' branches against silence (``absent_silent``: with it the
    800-step model's SI-SDRi rose from -2.4 / +1.7 / -4.8 to -1.1 / +5.0 / -1.0 dB for speech /
    music / sfx). ``paper`` (or ``key=value`` overrides) gives the authors' recipe."""
    _require(family, list(FAMILY_RECIPES), "tiny")
    if family == "tdanet":
        base = tdanet_config("tdanet", preset="tiny", name="tiny")
    else:
        base = codec_config(family, "tiny", "tiny")
    settings = dict(TINY_SETTINGS[family])
    data = {**base.data, **TINY_DATA[family]}
    scheduler = replace(base.scheduler, warmup_steps=0, gamma=1.0, name="constant")
    return replace(base, data=data, scheduler=scheduler, discriminator=None, precision="fp32", log_every=25,
                   checkpoint_every=250, data_workers=0, **settings)


#: The ``tiny`` ablation variants of SD-Codec (the embedded defaults of the ablation suites): the
#: fields each replaces in ``tiny``. With 4 codebooks, sharing the last 1 or 3 stands for the paper's
#: 4 or 8 of 12; ``init_from_dac`` names the embedded DAC (``sdcodec.pretrained``) or a file.
TINY_VARIANTS: dict[str, dict[str, Any]] = {
    "tiny-shared1": {"model": {"shared_codebooks": 1}},
    "tiny-shared3": {"model": {"shared_codebooks": 3}},
    "tiny-sepenhance": {"data": {"track_count_probs": (0.2, 0.2, 0.6)}},
    "tiny-initdac": {"model": {"shared_codebooks": 1}, "init_from_dac": "dac-tiny"},
    # the authors' code: trains exactly as tiny-shared1 (embedded as sdcodec-tiny-shared1)
    "tiny-initdac-authors": {"model": {"shared_codebooks": 1}, "init_from_dac": "dac-tiny",
                             "init_from_dac_mode": "authors"},
}


def _register_tiny_variant(name: str, changes: dict[str, Any]) -> None:
    def factory(family: str) -> TrainConfig:
        _require(family, ["sdcodec"], name)
        base = tiny_config(family)
        fields = {key: value for key, value in changes.items() if key not in ("model", "data")}
        model = {**base.model, **changes.get("model", {})}
        data = {**base.data, **changes.get("data", {})}
        from_dict(family_class(family).config_cls, json.loads(json.dumps(model)))  # the model's own checks
        return replace(base, name=name, model=model, data=data, **fields)

    factory.__doc__ = f"{name}: tiny with {changes} (an ablation suite's embedded default)"
    TRAIN_CONFIGS.add(name, factory)


for _name, _changes in TINY_VARIANTS.items():
    _register_tiny_variant(_name, _changes)


def named_config(name: str, family: str) -> TrainConfig:
    """The named configuration ``name`` for model family ``family``."""
    return TRAIN_CONFIGS.get(name)(family)


# -- key=value overrides ----------------------------------------------------------------------

_SECTIONS_AS_DICTS = {"model": "model_config", "data": "data_config", "discriminator": "discriminator_config"}


def parse_value(text: str) -> Any:
    """A command-line value: JSON when it parses (numbers, true/false/null, lists), else the text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered in ("none", "null"):
            return None
        return text


def _check_type(tp: Any, value: Any, where: str) -> Any:
    """``value`` coerced to annotation ``tp`` (int -> float, list -> tuple), or a ``ConfigError``."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        errors = []
        for arg in typing.get_args(tp):
            try:
                return _check_type(arg, value, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(f"{where}: {value!r} does not fit {tp}")
    if tp is type(None):
        if value is None:
            return None
        raise ConfigError(f"{where}: expected null, got {value!r}")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list like [1, 2], got {value!r}")
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_check_type(args[0], v, where) for v in value)
        if args and len(args) != len(value):
            raise ConfigError(f"{where}: expected {len(args)} values, got {len(value)}")
        return tuple(_check_type(a, v, where) for a, v in zip(args, value)) if args else tuple(value)
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a JSON object, got {value!r}")
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _fail(where, "a string", value)
    return value


def _fail(where: str, expected: str, value: Any) -> Any:
    raise ConfigError(f"{where}: expected {expected}, got {value!r}")


def _dataclass_for_section(config: TrainConfig, section: str) -> type:
    if section == "model":
        return family_class(config.family).config_cls
    if section == "data":
        from bench.train.data import TrainDataConfig

        return TrainDataConfig
    if config.recipe != "codec":
        raise ConfigError(f"the {config.recipe} recipe trains no discriminator; 'discriminator.*' does not apply")
    from sdcodec.discriminator import DiscriminatorConfig

    return DiscriminatorConfig


def _check_section(config: TrainConfig, section: str) -> None:
    """The section's dataclass checks (``__post_init__``) on its current values."""
    values = getattr(config, section)
    if values is not None:
        from_dict(_dataclass_for_section(config, section), json.loads(json.dumps(values)))


def _override_dict_section(config: TrainConfig, section: str, key: str, value: Any,
                           check: bool = True) -> TrainConfig:
    cls = _dataclass_for_section(config, section)
    hints = typing.get_type_hints(cls)
    if key not in hints or key not in {f.name for f in dataclasses.fields(cls)}:
        known = ", ".join(f.name for f in dataclasses.fields(cls))
        raise ConfigError(f"unknown key '{section}.{key}'; {section} keys: {known}")
    current = getattr(config, section)
    if current is None:  # a discriminator switched off: start again from its defaults
        current = to_dict(cls())
    current = dict(current)
    current[key] = _check_type(hints[key], value, f"{section}.{key}")
    changed = replace(config, **{section: json.loads(json.dumps(current))})
    if check:
        _check_section(changed, section)
    return changed


def apply_override(config: TrainConfig, assignment: str, check: bool = True) -> TrainConfig:
    """``config`` with one ``key=value`` applied (``section.key=value`` for nested fields).
    ``check=False`` leaves a section's cross-field checks (``model``, ``data``,
    ``discriminator``) to the caller: ``apply_overrides`` runs them once all are applied."""
    if "=" not in assignment:
        raise ConfigError(f"override {assignment!r} is not key=value (e.g. total_steps=1000, optimizer.lr=3e-4)")
    key, text = assignment.split("=", 1)
    key = key.strip()
    value = parse_value(text.strip())
    top = {f.name: f for f in dataclasses.fields(TrainConfig)}
    hints = typing.get_type_hints(TrainConfig)
    head, _, rest = key.partition(".")
    if head not in top or head == "name":
        known = sorted(set(top) - {"name"})
        raise ConfigError(f"unknown key {key!r}; known: {', '.join(known)} (nested: section.key, e.g. optimizer.lr)")
    if not rest:
        if head == "discriminator" and value is None:
            return replace(config, discriminator=None)  # no adversarial training
        if head in _SECTIONS_AS_DICTS or dataclasses.is_dataclass(hints[head]):
            raise ConfigError(f"{key!r} is a section; set one of its keys ({head}.KEY=VALUE)")
        return replace(config, **{head: _check_type(hints[head], value, key)})
    if head in _SECTIONS_AS_DICTS:
        return _override_dict_section(config, head, rest, value, check)
    sub_cls = hints[head]
    if not dataclasses.is_dataclass(sub_cls) or "." in rest:
        raise ConfigError(f"unknown key {key!r}")
    sub_hints = typing.get_type_hints(sub_cls)
    if rest not in sub_hints:
        known = ", ".join(f.name for f in dataclasses.fields(sub_cls))
        raise ConfigError(f"unknown key {key!r}; {head} keys: {known}")
    sub = replace(getattr(config, head), **{rest: _check_type(sub_hints[rest], value, key)})
    return replace(config, **{head: sub})


def apply_overrides(config: TrainConfig, assignments: Sequence[str]) -> TrainConfig:
    """``config`` with every ``key=value`` of ``assignments`` applied in order; a section's
    cross-field checks run once all are applied, so fields that must agree can be set one by one
    (``model.encoder_rates=[2,2,5] model.decoder_rates=[5,2,2]``)."""
    touched = set()
    for assignment in assignments:
        config = apply_override(config, assignment, check=False)
        touched.add(assignment.split("=", 1)[0].strip().partition(".")[0])
    for section in sorted(touched & set(_SECTIONS_AS_DICTS)):
        _check_section(config, section)
    return config


def config_to_json(config: TrainConfig) -> dict[str, Any]:
    """The JSON form written to ``config.json`` and into checkpoints."""
    return to_dict(config)


def config_from_json(data: dict[str, Any]) -> TrainConfig:
    """Rebuilds a ``TrainConfig`` from ``config_to_json`` output."""
    return from_dict(TrainConfig, data)
