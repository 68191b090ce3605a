"""Project paths and the quick/full profile mechanism shared by every stage.

Every path the project writes to is derived here from :data:`PROJECT_ROOT`, as
cookiecutter-data-science's ``config.py`` does, so modules and notebooks never
spell path strings themselves.  Each stage keeps its own frozen dataclass of
settings (``DataConfig``, ``TrainConfig``, ...); this module only provides the
profile machinery (:func:`profile_config`, :func:`apply_overrides`), the layout
of a run folder (:class:`RunPaths`) and (de)serialisation helpers so that every
run can write its resolved configuration next to its outputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Mapping, TypeVar

__all__ = [
    "PROJECT_ROOT",
    "WORK_ROOT",
    "DATA_DIR",
    "RAW_DATA_DIR",
    "PROCESSED_DATA_DIR",
    "RUNS_DIR",
    "FIGURES_DIR",
    "NOTEBOOKS_DIR",
    "PROFILES",
    "apply_overrides",
    "config_to_dict",
    "config_hash",
    "run_dir",
    "RunPaths",
    "run_paths",
    "CHECKPOINTS",
    "resolve_checkpoint",
]

#: Repository root (the checkout holding ``pyproject.toml`` and ``notebooks/``).
PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Where outputs go: ``data/``, ``runs/`` and ``figures/`` live below it.  It is
#: the checkout unless the ``MAMMO_WGAN_WORKDIR`` environment variable names
#: another folder (the test suite points it at a temporary folder so that
#: notebook tests never touch a user's runs).
WORK_ROOT = Path(os.environ.get("MAMMO_WGAN_WORKDIR") or PROJECT_ROOT).resolve()
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DATA_DIR = WORK_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
RUNS_DIR = WORK_ROOT / "runs"
FIGURES_DIR = WORK_ROOT / "figures"

#: The checkpoints a later stage may read from a run: ``checkpoints/best.pt`` or ``checkpoints/last.pt``.
CHECKPOINTS = ("best", "last")

#: The two profiles every long job offers: ``quick`` finishes in minutes on a
#: 2-core CPU, ``full`` is the real, hours-long study.
PROFILES = ("quick", "full")

C = TypeVar("C")


def apply_overrides(config: C, overrides: Mapping[str, Any] | None = None, /) -> C:
    """Return a copy of a frozen dataclass ``config`` with ``overrides`` applied.

    Unknown keys are refused (a typo must not silently fall back to a default),
    and each value is checked against the type of the field's default where that
    is a plain scalar, so ``steps="100"`` from a command line is rejected.

    Parameters
    ----------
    config : dataclass instance
        The base settings, e.g. ``TrainConfig()``.
    overrides : mapping, optional
        Field name to new value.  ``None`` values are ignored, so papermill
        parameters left at ``None`` keep the profile's value.

    Raises
    ------
    ValueError
        If a key is not a field of ``config`` or a value has the wrong type.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class C:
    ...     steps: int = 10
    >>> apply_overrides(C(), {"steps": 3}).steps
    3
    """
    if not overrides:
        return config
    fields = {f.name: f for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ValueError(f"{type(config).__name__}: unknown setting(s) {unknown}; valid names are {sorted(fields)}.")
    clean: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        current = getattr(config, key)
        if isinstance(current, bool) and not isinstance(value, bool):
            raise ValueError(f"{type(config).__name__}.{key} must be a bool; got {value!r}.")
        if isinstance(current, int) and not isinstance(current, bool):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{type(config).__name__}.{key} must be an int; got {value!r}.")
        if isinstance(current, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError(f"{type(config).__name__}.{key} must be a number; got {value!r}.")
        if isinstance(current, float):
            value = float(value)
        if isinstance(current, str) and not isinstance(value, str):
            raise ValueError(f"{type(config).__name__}.{key} must be a str; got {value!r}.")
        if isinstance(current, tuple) and isinstance(value, list):
            value = tuple(value)
        clean[key] = value
    return dataclasses.replace(config, **clean)


def profile_config(
    base: C, profiles: Mapping[str, Mapping[str, Any]], profile: str, overrides: Mapping[str, Any] | None = None
) -> C:
    """``base`` with the settings of ``profile`` laid on it, then ``overrides``: the one profile mechanism.

    Every settings module (data, training, evaluation, experiments) keeps its
    ``QUICK``/``FULL`` override dicts and exposes ``<name>_config(profile="quick",
    overrides=None)`` built on this function, so each refuses an unknown profile
    and an unknown or mistyped setting the same way (:func:`apply_overrides`;
    ``None`` values keep the profile's).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class C:
    ...     steps: int = 10
    >>> profile_config(C(), {"quick": {"steps": 3}, "full": {}}, "quick", {"steps": None}).steps
    3
    """
    if profile not in PROFILES or profile not in profiles:
        raise ValueError(f"{type(base).__name__}: profile must be one of {PROFILES}; got {profile!r}.")
    return apply_overrides(apply_overrides(base, profiles[profile]), overrides)


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready ``dict`` of a dataclass (tuples become lists, paths strings)."""

    def convert(value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return {k: convert(v) for k, v in dataclasses.asdict(config).items()}


def config_hash(config: Any, *, length: int = 12) -> str:
    """A short, stable hex digest of a dataclass's values (used to name caches)."""

    payload = json.dumps(config_to_dict(config), sort_keys=True).encode()
    return hashlib.sha256(payload).hexdigest()[:length]


def run_dir(name: str) -> Path:
    """The folder of run ``name``: ``runs/<name>/`` (not created here)."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"run name must be a plain folder name; got {name!r}.")
    return RUNS_DIR / name


@dataclasses.dataclass(frozen=True)
class RunPaths:
    """Every path inside one run folder ``runs/<name>/``, spelled once (see docs/ARCHITECTURE.md).

    Nothing is created here.  The trainer writes ``config``, ``checkpoints``,
    ``train_log`` and ``samples``; notebooks 01-09 write the rest.

    Examples
    --------
    >>> paths = RunPaths(Path("runs/quick"))
    >>> paths.last_checkpoint.as_posix(), paths.tables.as_posix()
    ('runs/quick/checkpoints/last.pt', 'runs/quick/tables')
    """

    root: Path

    @property
    def config(self) -> Path:
        """``config.json``: resolved data and train configs and the hardware choices."""
        return self.root / "config.json"

    @property
    def checkpoints(self) -> Path:
        """``checkpoints/``: ``last.pt`` and the periodic ``step_XXXXXX.pt`` copies."""
        return self.root / "checkpoints"

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / "last.pt"

    @property
    def best_checkpoint(self) -> Path:
        """``checkpoints/best.pt``: the checkpoint of the best evaluation (rule in gan_lib.training.monitor)."""
        return self.checkpoints / "best.pt"

    def checkpoint(self, which: str = "last") -> Path:
        """``best.pt`` (``which="best"``) or ``last.pt`` (``"last"``); see :func:`resolve_checkpoint` for the
        fallback of a run without evaluations."""
        if which not in CHECKPOINTS:
            raise ValueError(f"checkpoint must be one of {CHECKPOINTS}; got {which!r}.")
        return self.best_checkpoint if which == "best" else self.last_checkpoint

    @property
    def metrics(self) -> Path:
        """``metrics.jsonl``: one JSON object per evaluation during training (quality and critic diagnostics)."""
        return self.root / "metrics.jsonl"

    @property
    def tensorboard(self) -> Path:
        """``tensorboard/``: the optional TensorBoard event files (``make tensorboard RUN=name``)."""
        return self.root / "tensorboard"

    @property
    def train_log(self) -> Path:
        """``train_log.csv``: one row per generator step."""
        return self.root / "train_log.csv"

    @property
    def samples(self) -> Path:
        """``samples/``: the fixed-noise grids ``step_XXXXXX.png``."""
        return self.root / "samples"

    @property
    def data_prep(self) -> Path:
        """``data_prep/``: notebook 01's split table, dataset record and figures."""
        return self.root / "data_prep"

    @property
    def eval(self) -> Path:
        """``eval/``: cached generated and denoised sets (``.npy``) of notebooks 03-06."""
        return self.root / "eval"

    @property
    def features(self) -> Path:
        """``eval/features/``: cached Inception features, keyed by images and weights."""
        return self.eval / "features"

    @property
    def tables(self) -> Path:
        """``tables/``: Table 1, Table 2, texture, RQ1/RQ2 and memorisation tables (CSV and LaTeX)."""
        return self.root / "tables"

    @property
    def figures(self) -> Path:
        """``figures/``: the run's own figures (thesis figures are published to :data:`FIGURES_DIR`)."""
        return self.root / "figures"

    @property
    def rq2(self) -> Path:
        """``rq2/``: RQ2's class generators and classifier-run caches (notebook 08)."""
        return self.root / "rq2"

    @property
    def notebooks(self) -> Path:
        """``notebooks/``: the executed notebooks of the pipeline."""
        return self.root / "notebooks"

    @property
    def study(self) -> Path:
        """``study/``: the default folder of a reader study built from this run."""
        return self.root / "study"


def run_paths(name: str) -> RunPaths:
    """The :class:`RunPaths` of run ``name`` under :data:`RUNS_DIR` (the name is checked by :func:`run_dir`)."""
    return RunPaths(run_dir(name))


def resolve_checkpoint(paths: RunPaths, which: str = "last") -> tuple[str, Path]:
    """``(name, path)`` of the checkpoint a later stage reads: ``"last"`` (the default of every stage) or ``"best"``.

    Why ``"last"`` by default: on the quick run the rule of ``best.pt``
    (:mod:`gan_lib.training.monitor`) picked step 220 of 550 on a selection
    score (1.55 against 1.69 at step 550) within the noise of 64-image numbers,
    and that generator painted a frame (frame share 0.28 of 256 samples, above
    the held-out bound 0.23) which none of the scored numbers sees.  Ask for
    ``"best"`` where a long run's curves show a real decline.

    ``"best"`` falls back to ``"last"`` for a run that kept no ``best.pt``
    (trained with ``eval_every=0``); the returned name says which was used, so
    stages can record it.

    Examples
    --------
    >>> resolve_checkpoint(RunPaths(Path("no/such/run")), "best")[0]
    'last'
    """
    path = paths.checkpoint(which)
    if which == "best" and not path.is_file():
        return "last", paths.last_checkpoint
    return which, path
