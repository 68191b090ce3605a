"""Session-wide test set-up shared by the unit tests and the notebook tests.

The notebook tests (nbval) execute the real notebooks with their quick
parameters; they must never write into a user's ``data/``, ``runs/`` or
``figures/``.  Before anything imports ``gan_lib.config`` we point
``MAMMO_WGAN_WORKDIR`` at a fresh temporary folder, which the notebook
kernels inherit.  ``MAMMO_WGAN_WORKDIR`` set by the caller is respected.

Every notebook cell nbval collects is marked ``slow``: together they train and
evaluate the quick run (minutes), so ``make test-fast`` (``pytest -m "not
slow"``) leaves them to ``make test``.
"""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config) -> None:  # noqa: ARG001 - pytest hook signature
    if not os.environ.get("MAMMO_WGAN_WORKDIR"):
        os.environ["MAMMO_WGAN_WORKDIR"] = tempfile.mkdtemp(prefix="mammo-wgan-test-")


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ARG001 - pytest hook signature
    for item in items:
        if item.path.suffix == ".ipynb":  # a cell of a notebook under nbval
            item.add_marker(pytest.mark.slow)
