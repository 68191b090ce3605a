"""Tests for gan_lib.evaluation.inception: the network with its note for the notebooks, and the feature cache."""

import importlib
from types import SimpleNamespace

from gan_lib import evaluation
from gan_lib.config import run_dir

inception_module = importlib.import_module("gan_lib.evaluation.inception")


def test_load_inception_with_note_without_weights_says_skipped_and_how_to_fix(monkeypatch):
    monkeypatch.setattr(inception_module, "try_load_inception", lambda weights: (None, "Fix: pip install it"))
    model, note = evaluation.load_inception_with_note("/nowhere")
    assert model is None
    assert note.startswith("**FID, KID and precision/recall are skipped")
    assert "*not computed*" in note and "```\nFix: pip install it\n```" in note


def test_load_inception_with_note_with_weights_names_the_layout(monkeypatch):
    found = SimpleNamespace(memory_format_reason="channels_last (faster: 1.0 s vs 2.0 s)")
    monkeypatch.setattr(inception_module, "try_load_inception", lambda weights: (found, ""))
    model, note = evaluation.load_inception_with_note()
    assert model is found
    assert note == (
        "TF-Inception weights found; FID/KID/precision/recall will be computed "
        "(layout: channels_last (faster: 1.0 s vs 2.0 s))."
    )


def test_feature_cache_dir_is_under_the_runs_eval_folder():
    assert evaluation.feature_cache_dir("some-run") == run_dir("some-run") / "eval" / "features"
