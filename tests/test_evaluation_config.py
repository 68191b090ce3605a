"""Tests for gan_lib.evaluation.config: the quick/full profiles and their overrides."""

import pytest

from gan_lib import evaluation


def test_evaluation_config_lays_the_profile_then_the_overrides():
    quick = evaluation.evaluation_config("quick")
    assert quick.inception_max_images == evaluation.QUICK["inception_max_images"]
    assert evaluation.evaluation_config("full").n_generated == evaluation.FULL["n_generated"]
    assert evaluation.evaluation_config("quick", {"n_generated": 64}).n_generated == 64
    # a papermill parameter left at None keeps the profile's value
    assert evaluation.evaluation_config("full", {"n_generated": None}).n_generated == evaluation.FULL["n_generated"]


def test_evaluation_config_refuses_an_unknown_profile():
    with pytest.raises(ValueError, match="profile must be one of"):
        evaluation.evaluation_config("medium")


def test_evaluation_config_refuses_an_unknown_setting():
    with pytest.raises(ValueError, match="n_generatd"):
        evaluation.evaluation_config("quick", {"n_generatd": 64})
