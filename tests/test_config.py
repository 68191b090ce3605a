"""Tests of gan_lib.config: profile overrides and run folders."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gan_lib.config import RUNS_DIR, WORK_ROOT, apply_overrides, config_hash, config_to_dict, run_dir


@dataclass(frozen=True)
class _Example:
    steps: int = 10
    lr: float = 1e-4
    name: str = "a"
    betas: tuple[float, float] = (0.0, 0.9)
    flag: bool = False


def test_apply_overrides_replaces_known_fields():
    cfg = apply_overrides(_Example(), {"steps": 3, "lr": 1, "betas": [0.5, 0.99]})
    assert (cfg.steps, cfg.lr, cfg.betas) == (3, 1.0, (0.5, 0.99))
    assert isinstance(cfg.lr, float)


def test_apply_overrides_ignores_none_values():
    assert apply_overrides(_Example(), {"steps": None}).steps == 10


def test_apply_overrides_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown setting.*'step'"):
        apply_overrides(_Example(), {"step": 3})


@pytest.mark.parametrize(
    "key, value", [("steps", "100"), ("steps", 1.5), ("steps", True), ("lr", "x"), ("name", 3), ("flag", 1)]
)
def test_apply_overrides_rejects_wrong_types(key, value):
    with pytest.raises(ValueError, match=key):
        apply_overrides(_Example(), {key: value})


def test_config_hash_is_stable_and_value_sensitive():
    assert config_hash(_Example()) == config_hash(_Example())
    assert config_hash(_Example()) != config_hash(_Example(steps=11))
    assert config_to_dict(_Example())["betas"] == [0.0, 0.9]


def test_run_dir_rejects_paths():
    assert run_dir("quick") == RUNS_DIR / "quick"
    for bad in ("", "../x", "a/b", ".hidden"):
        with pytest.raises(ValueError):
            run_dir(bad)


def test_tests_write_into_a_temporary_work_root():
    # The root conftest points MAMMO_WGAN_WORKDIR at a temporary folder.
    assert "mammo-wgan-test-" in str(WORK_ROOT) or "MAMMO" in str(WORK_ROOT).upper()
