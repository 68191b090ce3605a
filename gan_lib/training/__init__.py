"""WGAN-GP training: configuration and recipes, losses, hardware choices, the loop and its checkpoints."""

from .checkpoint import build_generator, load_checkpoint
from .config import EXECUTION_FIELDS, FULL, QUICK, TrainConfig, train_config_for_profile
from .hardware import Hardware, resolve_hardware
from .losses import critic_loss, generator_loss, gradient_penalty, wasserstein_estimate
from .recipes import DEFAULT_RECIPE, RECIPES, recipe_label
from .run_folder import LOG_COLUMNS, STAT_NAMES, RunFolder
from .run_setup import PreparedRun, prepare_run
from .state import TrainState, build_state
from .step import train_step
from .trainer import TrainingDiverged, TrainResult, train

__all__ = [
    "TrainConfig",
    "QUICK",
    "FULL",
    "EXECUTION_FIELDS",
    "train_config_for_profile",
    "RECIPES",
    "DEFAULT_RECIPE",
    "recipe_label",
    "gradient_penalty",
    "critic_loss",
    "generator_loss",
    "wasserstein_estimate",
    "Hardware",
    "resolve_hardware",
    "RunFolder",
    "STAT_NAMES",
    "LOG_COLUMNS",
    "TrainState",
    "TrainResult",
    "TrainingDiverged",
    "build_state",
    "train",
    "train_step",
    "prepare_run",
    "PreparedRun",
    "load_checkpoint",
    "build_generator",
]
