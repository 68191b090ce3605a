"""Tests of gan_lib.atomic: a failed write never damages the existing file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gan_lib.atomic import atomic_path, atomic_save, atomic_write_json, atomic_write_text


def test_atomic_write_text_creates_parents(tmp_path):
    target = atomic_write_text(tmp_path / "a" / "b.txt", "hello")
    assert target.read_text() == "hello"


def test_atomic_write_json_round_trips(tmp_path):
    atomic_write_json(tmp_path / "x.json", {"b": 1, "a": [1, 2]})
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": [1, 2], "b": 1}


def test_failed_write_keeps_previous_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "keep.npy"
    atomic_save(target, lambda p: np.save(p, np.arange(3)))

    def crash(path):
        np.save(path, np.zeros(1000))
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        atomic_save(target, crash)
    np.testing.assert_array_equal(np.load(target), np.arange(3))
    assert [p.name for p in tmp_path.iterdir()] == ["keep.npy"]


def test_atomic_path_keeps_suffix_for_format_sniffing(tmp_path):
    with atomic_path(tmp_path / "fig.png") as tmp:
        assert tmp.suffix == ".png"
        tmp.write_bytes(b"x")


def test_atomic_write_gives_the_file_the_usual_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        target = atomic_write_text(tmp_path / "shared.txt", "x")
    finally:
        os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o644
