"""Settings of a WGAN-GP training run: :class:`TrainConfig`, its ``QUICK``/``FULL`` profiles and recipes.

Every value is checked when the config is created (``__post_init__``), so a
bad value fails before any data is loaded or any model built.  Profiles are
override dicts applied with :func:`gan_lib.config.apply_overrides`, which
refuses unknown keys::

    >>> from gan_lib.config import apply_overrides
    >>> apply_overrides(TrainConfig(), QUICK).train_minutes
    5.0

``TrainConfig()``'s own defaults are the thesis as built (the ``"thesis"``
recipe); :func:`train_config_for_profile` lays a profile, then a named recipe
(:data:`~gan_lib.training.recipes.RECIPES`, the project's by default), then
the caller's overrides on top::

    >>> train_config_for_profile("quick").recipe, train_config_for_profile("quick", {"recipe": "thesis"}).upsample
    ('project', 'convtranspose')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..config import profile_config
from ..metrics.spectral import MAX_ORIENTATIONS
from ..models import CONDITIONAL_MODELS, IMAGE_SIZES, PADDING_MODES, list_models
from ..models.attention import attention_sizes
from ..models.critic import CRITIC_HEADS
from .critic_view import CRITIC_VIEWS, view_channels
from .diffaugment import parse_policy
from .recipes import DEFAULT_RECIPE, RECIPES
from .tensorboard import TENSORBOARD_SETTINGS

__all__ = ["TrainConfig", "QUICK", "FULL", "EXECUTION_FIELDS", "train_config_for_profile"]

_PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_MEMORY_FORMATS = ("auto", "contiguous", "channels_last")
_CRITIC_NORMS = ("none", "layer", "instance")
_UPSAMPLE = ("convtranspose", "nearest", "bilinear", "pixelshuffle")
_REAL_DATA = ("crops", "patches")
_CROP_WEIGHTINGS = ("corner", "image")


@dataclass(frozen=True)
class TrainConfig:
    """One WGAN-GP experiment (thesis sections X-B to X-D).  Defaults: the thesis, after Gulrajani et al. (2017)."""

    recipe: str = "thesis"  # the named recipe these settings started from (gan_lib.training.recipes.RECIPES)
    # --- data ---
    image_size: int = 64  # side of the square training images in px: 32, 64, 128 or 256
    flips: bool = True  # random horizontal flips of real batches (mammograms exist in both lateralities)
    real_data: str = "crops"  # patch-mode data: "crops" = fresh random valid crops of the working images each batch
    # (CropSource), "patches" = the fixed patch set in memory (TensorBatcher); whole-mode
    # data and arrays passed to train() always use the fixed set
    crop_weighting: str = "corner"  # crops: "corner" = uniform over all valid crops, "image" = every view equally
    # --- models ---
    generator: str = "hybrid_generator"  # registered generator builder (gan_lib.models.list_models())
    critic: str = "critic"  # registered critic builder
    num_classes: int = 0  # > 0: class-conditional (conditional_hybrid_generator + projection_critic, labelled images)
    latent_dim: int = 128  # length of the latent vector z
    mlp_hidden: tuple[int, ...] = (512,)  # hidden widths of the generator's MLP (its depth/width)
    generator_width: float = 1.0  # multiplier on GENERATOR_CHANNELS (the quick profile shrinks the nets)
    generator_min_channels: int = 0  # every generator stage keeps at least this many channels after the
    # generator_width scaling (1/4 width leaves 16 at 32 px); 0 = no floor
    critic_width: float = 1.0  # multiplier on CRITIC_CHANNELS
    upsample: str = "convtranspose"  # "convtranspose", "nearest"/"bilinear" + 3x3 conv, or "pixelshuffle" (+ blur)
    bilinear_stages: int = 0  # with upsample="nearest": the finest this many upsampling stages interpolate bilinearly
    padding_mode: str = "zeros"  # conv padding of generator and critic: "zeros", "reflect" or "replicate"
    critic_norm: str = "none"  # per-sample critic normalisation: "none", "layer" or "instance"
    critic_head: str = "linear"  # "linear" head on the 4x4 map, or "patch": mean of 1x1-conv patch scores
    blur_stages: int = 0  # the finest this many upsampling stages blur ([1,2,1] binomial) after upsampling
    noise_stages: int = 0  # the finest this many stages add a per-pixel noise image (zero-initialised scales)
    refine_stages: int = 0  # the finest this many stages get a second 3x3 conv (+ BatchNorm, LeakyReLU) at their
    # output resolution (ProGAN/StyleGAN's two convs per resolution); 0 = one conv per stage (the thesis)
    attention_size: int = 0  # side (px) of the generator's and the critic's feature maps followed by SAGAN
    # self-attention (gan_lib.models.attention; 8 to image_size / 2); 0 = none (the thesis)
    # --- the norm the critic is held 1-Lipschitz in (gan_lib.training.critic_view, losses.sobolev_dual_norm) ---
    penalty_norm: str = "pixel"  # "pixel", "laplacian_stack", "sobolev_fft" (BWGAN), "whitening", "whitening_stack"
    laplacian_scale: float = 6.0  # a of the stacked channel a * Laplacian(x) ("laplacian_stack")
    sobolev_s: float = 1.0  # Sobolev order s of W^{s,2} ("sobolev_fft"; > 0 weighs fine scales up)
    sobolev_c: float = 5.0  # BWGAN's coordinate scale c: |xi|^2 = c (X^2 + Y^2), X = 1 at Nyquist ("sobolev_fft")
    whitening_beta: float = 3.4  # spectral slope the whitening filter inverts ("whitening*"; training patches ~3.4)
    detail_scale: float = 0.0  # > 0: the critic's view gets one more channel, this times each image's Laplacian
    # over its own SD (critic_view.normalised_laplacian, the blur-aware CNN reader's input); 0 = off
    # --- optimisation ---
    batch_size: int = 64  # real and generated images per critic/generator update
    steps: int = 20_000  # generator updates (each preceded by n_critic critic updates)
    train_minutes: float = 0.0  # stop once training has taken this many wall-clock minutes, all sessions
    # together (checked every log_every steps); 0 = no time limit.  steps stays the cap either way
    n_critic: int = 5  # critic updates per generator update
    lr: float = 1e-4  # Adam learning rate of the generator
    critic_lr_scale: float = 1.0  # the critic's learning rate is lr * this (two time-scale rule, Heusel et al. 2017)
    lr_decay_start: float = 1.0  # fraction of the run (steps or train_minutes, whichever is nearer its end) after
    # which both learning rates fall linearly to 0 at the end (gan_lib.training.lr_schedule); 1 = constant
    betas: tuple[float, float] = (0.0, 0.9)  # Adam (beta1, beta2)
    gp_lambda: float = 10.0  # gradient-penalty weight lambda
    gp_every: int = 1  # lazy penalty: only every k-th critic update, weighted k * lambda (Karras et al. 2020);
    # 1 = always
    drift: float = 0.0  # epsilon of the drift term eps * E[D(real)^2] (Karras et al. use 0.001; 0 = off)
    spectral_weight: float = 0.0  # weight of the generator's spectral-moment term (gan_lib.training.spectral_loss,
    # dB^2; Durall et al. 2020); 0 = off
    spectral_orientations: int = 1  # that term's orientation sectors per annulus: 1 = radial (the spectral reader's
    # features), up to 4 (horizontal, 45 degrees, vertical, 135 degrees; gan_lib.metrics.spectral.oriented_bins)
    diffaugment: str = ""  # DiffAugment policy, e.g. "translation,cutout" (Zhao et al. 2020); "" = off
    ema_kimg: float = 0.0  # half-life of the generator weight average in thousands of images; 0 = no EMA
    ema_rampup: float = 0.05  # the EMA half-life is at most this times the images seen (0 = no ramp-up)
    seed: int = 0  # seeds weights, latent vectors, interpolation weights, batch order and flips
    # --- execution (may change when a run is resumed) ---
    device: str = "auto"  # "auto" (CUDA if present, else CPU), "cpu", "cuda", "cuda:1", ...
    precision: str = "auto"  # "auto" (measured/detected per machine), "fp32", "bf16" or "fp16" (autocast; fp16 with
    # GradScaler, for GPUs without bf16)
    memory_format: str = "auto"  # "auto" (measured per machine), "contiguous" or "channels_last"
    compile: bool = False  # torch.compile the generator (the critic's double backward cannot be compiled)
    loader_workers: int = -1  # crops: DataLoader processes preparing batches ahead; -1 = auto (CUDA: min(4, CPUs-1),
    # CPU: 0, read in the training process)
    num_threads: int = 0  # CPU threads for torch; 0 = measured per run: torch's default or 1, whichever is faster
    log_every: int = 25  # write train_log.csv and check losses for NaN/inf every this many steps
    sample_every: int = 100  # save a fixed-noise sample grid every this many steps
    checkpoint_every: int = 100  # save checkpoints/last.pt and step_XXXXXX.pt every this many steps
    sample_count: int = 64  # images in each fixed-noise sample grid (a square number looks best)
    eval_every: int = 0  # score the sampling generator and the critic every this many steps (metrics.jsonl,
    # checkpoints/best.pt; gan_lib.training.monitor); 0 = never
    eval_count: int = 128  # generated images and fixed real training images per evaluation (>= 5)
    tensorboard: str = "auto"  # TensorBoard log in runs/<name>/tensorboard/: "auto" (if installed), "on" or "off"

    def __post_init__(self) -> None:
        def fail(name: str, expected: str) -> None:
            raise ValueError(f"TrainConfig.{name} must be {expected}; got {getattr(self, name)!r}.")

        if self.image_size not in IMAGE_SIZES or isinstance(self.image_size, bool):
            fail("image_size", f"one of {IMAGE_SIZES}")
        models = list_models()
        for name in ("generator", "critic"):
            if getattr(self, name) not in models:
                fail(name, f"a registered model name, one of {models}")
        if (
            isinstance(self.num_classes, bool)
            or not isinstance(self.num_classes, int)
            or self.num_classes < 0
            or self.num_classes == 1
        ):
            fail("num_classes", "0 (unconditional) or an integer >= 2")
        for name in ("generator", "critic"):
            if (getattr(self, name) in CONDITIONAL_MODELS) != (self.num_classes > 0):
                fail(
                    name,
                    f"one of {list(CONDITIONAL_MODELS)} when num_classes > 0 and none of them when "
                    f"num_classes = 0 (num_classes is {self.num_classes})",
                )
        if self.recipe not in RECIPES:
            fail("recipe", f"one of {sorted(RECIPES)}")
        for name in (
            "latent_dim",
            "batch_size",
            "steps",
            "n_critic",
            "gp_every",
            "log_every",
            "sample_every",
            "checkpoint_every",
            "sample_count",
            "eval_count",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                fail(name, "a positive integer")
        if self.batch_size < 2:
            fail("batch_size", "at least 2 (BatchNorm needs two samples)")
        if isinstance(self.eval_every, bool) or not isinstance(self.eval_every, int) or self.eval_every < 0:
            fail("eval_every", "an integer >= 0 (0 = no evaluations during training)")
        if self.spectral_orientations not in range(1, MAX_ORIENTATIONS + 1):
            fail("spectral_orientations", f"1 (radial) to {MAX_ORIENTATIONS} orientation sectors per annulus")
        if self.eval_count < 5:
            fail("eval_count", "at least 5 (the spectral reader's cross-validation folds)")
        if not all(isinstance(h, int) and h >= 1 for h in self.mlp_hidden):
            fail("mlp_hidden", "a tuple of positive integers, e.g. (512,) or () for none")
        for name in ("generator_width", "critic_width", "lr", "critic_lr_scale"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 0):
                fail(name, "a finite number > 0")
        decay_start = self.lr_decay_start
        if isinstance(decay_start, bool) or not (isinstance(decay_start, (int, float)) and 0.0 <= decay_start <= 1.0):
            fail("lr_decay_start", "a fraction in [0, 1] (1 = a constant learning rate)")
        if len(self.betas) != 2 or not all(0.0 <= float(b) < 1.0 for b in self.betas):
            fail("betas", "two numbers in [0, 1), e.g. (0.0, 0.9)")
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))  # Adam refuses int betas
        object.__setattr__(self, "mlp_hidden", tuple(self.mlp_hidden))
        for name in (
            "train_minutes",
            "gp_lambda",
            "drift",
            "spectral_weight",
            "ema_kimg",
            "ema_rampup",
            "laplacian_scale",
            "sobolev_c",
            "whitening_beta",
            "detail_scale",
        ):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                fail(name, "a finite number >= 0")
        if not math.isfinite(self.sobolev_s):
            fail("sobolev_s", "a finite number")
        for name, allowed in (
            ("precision", _PRECISIONS),
            ("memory_format", _MEMORY_FORMATS),
            ("real_data", _REAL_DATA),
            ("crop_weighting", _CROP_WEIGHTINGS),
            ("critic_norm", _CRITIC_NORMS),
            ("upsample", _UPSAMPLE),
            ("padding_mode", PADDING_MODES),
            ("critic_head", CRITIC_HEADS),
            ("penalty_norm", tuple(CRITIC_VIEWS)),
            ("tensorboard", TENSORBOARD_SETTINGS),
        ):
            if getattr(self, name) not in allowed:
                fail(name, f"one of {allowed}")
        if self.upsample == "convtranspose" and self.padding_mode != "zeros":
            fail("padding_mode", "'zeros' with upsample='convtranspose' (ConvTranspose2d pads only with zeros)")
        stages = int(math.log2(self.image_size // 4))
        if (
            isinstance(self.bilinear_stages, bool)
            or not isinstance(self.bilinear_stages, int)
            or not 0 <= self.bilinear_stages <= stages
        ):
            fail("bilinear_stages", f"an integer from 0 to the generator's {stages} upsampling stages")
        if self.bilinear_stages and self.upsample != "nearest":
            fail(
                "bilinear_stages",
                f"0 unless upsample='nearest' (it replaces nearest stages; upsample is {self.upsample!r})",
            )
        self._check_stage_options(stages, fail)
        try:
            object.__setattr__(self, "diffaugment", ",".join(parse_policy(self.diffaugment)))
        except ValueError as error:
            raise ValueError(f"TrainConfig.diffaugment: {error}") from None
        if not (self.device == "auto" or self.device == "cpu" or self.device.startswith("cuda")):
            fail("device", "'auto', 'cpu' or 'cuda[:index]'")
        if (
            isinstance(self.loader_workers, bool)
            or not isinstance(self.loader_workers, int)
            or self.loader_workers < -1
        ):
            fail("loader_workers", "an integer >= 0, or -1 for auto")
        for name, zero in (
            ("num_threads", " (0 = torch's default)"),
            ("seed", ""),
            ("generator_min_channels", " (0 = no floor)"),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                fail(name, f"an integer >= 0{zero}")

    def _check_stage_options(self, stages: int, fail: Any) -> None:
        """Stage options (blur/noise/refine stages, attention_size) that fit the generator; none on conditional nets.

        The projection critic takes every penalty norm (its ``in_channels``);
        the conditional generator has no blur, noise or refine stages nor attention, and its critic no patch head.
        """
        for name, allowed in (
            ("blur_stages", ("convtranspose", "nearest", "bilinear")),
            ("noise_stages", ("nearest", "bilinear")),
            ("refine_stages", _UPSAMPLE),  # every upsampling mode: only the range is checked
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= stages:
                fail(name, f"an integer from 0 to the generator's {stages} upsampling stages")
            if value and self.upsample not in allowed:
                fail(name, f"0 unless upsample is one of {allowed} (upsample is {self.upsample!r})")
        sizes = attention_sizes(self.image_size)
        if isinstance(self.attention_size, bool) or self.attention_size not in (0, *sizes):
            fail("attention_size", f"0 (none) or the side of a feature map, one of {sizes}")
        if self.num_classes:
            for name, plain in (
                ("blur_stages", 0),
                ("noise_stages", 0),
                ("refine_stages", 0),
                ("attention_size", 0),
                ("generator_min_channels", 0),
                ("critic_head", "linear"),
            ):
                if getattr(self, name) != plain:
                    fail(name, f"{plain!r} for the class-conditional networks (num_classes > 0)")

    def generator_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the generator builder ``gan_lib.models.get_model(self.generator, ...)``.

        Options at their defaults are left out, so a spec reads as it did before they existed.
        """
        extra = {
            name: getattr(self, name)
            for name in ("blur_stages", "noise_stages", "refine_stages", "attention_size")
            if getattr(self, name)
        }
        if self.generator_min_channels:
            extra["min_channels"] = self.generator_min_channels
        return {
            "image_size": self.image_size,
            "latent_dim": self.latent_dim,
            "width": self.generator_width,
            "mlp_hidden": list(self.mlp_hidden),
            "upsample": self.upsample,
            "padding_mode": self.padding_mode,
            "bilinear_stages": self.bilinear_stages,
            **extra,
            **self._class_kwargs(),
        }

    def critic_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the critic builder (options at their defaults left out, as above)."""
        norm = None if self.critic_norm == "none" else self.critic_norm
        channels = view_channels(self.penalty_norm, detail_scale=self.detail_scale)
        extra = {"in_channels": channels} if channels != 1 else {}
        extra.update({"head": self.critic_head} if self.critic_head != "linear" else {})
        extra.update({"attention_size": self.attention_size} if self.attention_size else {})
        return {
            "image_size": self.image_size,
            "width": self.critic_width,
            "norm_layer": norm,
            "padding_mode": self.padding_mode,
            **extra,
            **self._class_kwargs(),
        }

    def _class_kwargs(self) -> dict[str, Any]:
        return {"num_classes": self.num_classes} if self.num_classes else {}


#: Settings that only say *how* a run executes; they may differ when a run is
#: resumed (e.g. raise ``steps`` to train longer, or move it to a GPU).  Every
#: other field defines the experiment and must match the checkpoint.
EXECUTION_FIELDS: tuple[str, ...] = (
    "steps",
    "train_minutes",
    "lr_decay_start",  # a schedule over the budget, which may itself change on resume
    "device",
    "precision",
    "memory_format",
    "compile",
    "num_threads",
    "loader_workers",
    "log_every",
    "sample_every",
    "checkpoint_every",
    "eval_every",
    "tensorboard",
)

#: Five minutes of training on a 2-core CPU (``train_minutes``; ``steps`` is only
#: a cap): small networks (1/4 of the default generator width, 1/2 of the
#: critic's), batch 32, on 64 px patches.  A time budget instead of a step
#: count, because the step time differs by 2.5x between the CPUs this runs on
#: and by recipe and width.  The critic width was chosen in the equal-time
#: ablation of docs/results/generator_ablation.md (idle 2-core AMD EPYC with
#: AVX-512 BF16, 2026-12-06): at 5 minutes (2 seeds) 1/4 and 1/2 tie within
#: noise (SWD 79 / 82 and 88 / 80; statistics reader 0.58 / 0.60 and 0.70 /
#: 0.75, both better than 1/8's 87 / 85 and 0.71 / 0.74), but from 5 to 15
#: minutes the 1/4 critic's run got worse (seed 0: statistics reader 0.58 ->
#: 0.73, SWD 79 -> 81) while the 1/2 critic's runs improved (seeds 0 / 1: SWD
#: 88 / 80 -> 72 / 75, spectral reader 1.00 / 1.00 -> 0.94 / 0.98, statistics
#: reader 0.70 / 0.75 -> 0.59 / 0.68; the blur-aware CNN reader 0.76 [0.36,
#: 1.00] / 1.00 -> 0.96 / 0.81): longer training must not make the generator
#: worse.  The generator width was chosen
#: by 3-minute probes (1/4 lowered SWD from 172 to 91 against 1/8, 1/2 reached
#: 117 in the same time; see gan_lib.training.recipes).  Evaluations
#: (gan_lib.training.monitor) of 64 images cost about 1 s each, every 200 steps.
QUICK: dict[str, Any] = {
    "recipe": DEFAULT_RECIPE,
    "image_size": 64,
    "generator_width": 0.25,
    "critic_width": 0.5,
    "mlp_hidden": (128,),
    "batch_size": 32,
    "steps": 20_000,
    "train_minutes": 5.0,
    "log_every": 10,
    "sample_every": 200,
    "checkpoint_every": 200,
    "eval_every": 200,
    "eval_count": 64,
}

#: The study: default (thesis-sized) networks, batch 64, 20 000 generator steps on
#: the data stage's full-profile 128 px patches.  A GPU job: one step measured
#: 63 s wall / 48 CPU-s on the 2-core AVX2 CPU above, i.e. ~350 h there (~130 h
#: on an idle 2-core machine, extrapolated from CPU time).
FULL: dict[str, Any] = {
    "recipe": DEFAULT_RECIPE,
    "image_size": 128,
    "steps": 20_000,
    "log_every": 50,
    "sample_every": 500,
    "checkpoint_every": 500,
    "eval_every": 1000,
}

_PROFILES: dict[str, dict[str, Any]] = {"quick": QUICK, "full": FULL}


def train_config_for_profile(profile: str = "quick", overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """``TrainConfig`` of ``profile`` ("quick" or "full"), then its recipe, then ``overrides`` (``None`` ignored).

    The recipe is ``overrides["recipe"]`` when given, else the profile's
    (:data:`~gan_lib.training.recipes.DEFAULT_RECIPE`); its settings replace
    the profile's, and every other override replaces the recipe's.
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    recipe = overrides.get("recipe", _PROFILES.get(profile, {}).get("recipe"))
    # The recipe's settings replace the profile's; an unknown recipe lays none and TrainConfig's own check refuses it.
    return profile_config(
        TrainConfig(),
        {name: {**settings, **RECIPES.get(recipe, {}), "recipe": recipe} for name, settings in _PROFILES.items()},
        profile,
        overrides,
    )
