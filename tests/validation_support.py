"""Shared helpers for the reader-study tests (tests/test_validation_*.py); not a test module."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
from fastapi.testclient import TestClient

from gan_lib.validation import Study, create_study, db
from gan_lib.validation.app import create_app

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def image_sets(
    n_real: int = 10, n_generated: int = 10, *, size: int = 32, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two classes that differ strongly in compressibility (smooth "real", noisy "synthetic").

    With a compressing PNG encoder their file sizes would separate the classes
    perfectly, which is what the size-leak test must rule out.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    real = np.stack([np.tanh(np.sin(3 * xx + p) * np.cos(2 * yy)) for p in rng.uniform(0, 6, n_real)])
    fake = rng.uniform(-1, 1, (n_generated, size, size))
    return real.astype(np.float32), fake.astype(np.float32)


def make_study(
    root: Path, *, n_real: int = 10, n_generated: int = 10, repeats: int = 4, seed: int = 0, size: int = 32
) -> Study:
    real, fake = image_sets(n_real, n_generated, size=size, seed=seed)
    return create_study(real, fake, root / "study", seed=seed, repeats=repeats)


def copy_study(study: Study, root: Path) -> Study:
    """A private copy of a study folder (cheaper than creating one: no fsync per file)."""
    target = root / "study"
    shutil.copytree(study.root, target)
    return dataclasses.replace(study, root=target, db_path=target / study.db_path.name)


def hidden_fields(html: str) -> dict[str, str]:
    """``position`` and ``csrf_token`` of a rating page."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def image_url(html: str) -> str:
    match = re.search(r'src="(/image/[^"]+)"', html)
    assert match, "rating page without an image"
    return match.group(1)


def signed_in(app, study: Study, name: str) -> TestClient:
    """A TestClient holding ``name``'s reader session (invite created and exchanged)."""
    conn = db.connect(study.db_path)
    try:
        _, token = db.add_reader(conn, name)
    finally:
        conn.close()
    client = TestClient(app)
    response = client.post("/invite", data={"token": str(token)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def shown_fields(client) -> dict[str, str]:
    """Open the rating page and load its image, as a browser does; returns the page's hidden fields."""
    page = client.get("/rate").text
    assert client.get(image_url(page)).status_code == 200
    return hidden_fields(page)


def answer(client, *, answer: str = "real", confidence: int = 3, realism: int = 3, note: str = "", **override):
    """Answer the client's current item after loading its image; returns the POST response (no redirect followed)."""
    fields = shown_fields(client)
    data = {
        "position": fields["position"],
        "csrf_token": fields["csrf_token"],
        "answer": answer,
        "confidence": str(confidence),
        "realism": str(realism),
        "note": note,
        **override,
    }
    return client.post("/rate", data=data, follow_redirects=False)


def app_for(study: Study):
    return create_app(study.root, study.db_path)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    study: Study, *, timeout: float = 30.0, log_level: str = "warning", log_path: Path | None = None
) -> Iterator[str]:
    """Run ``python -m gan_lib.validation serve`` on a free loopback port; yield its base URL.

    The server's stdout and stderr go to ``log_path`` when given (read it after the block).
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gan_lib.validation",
        "serve",
        "--study",
        str(study.root),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        log_level,
    ]
    log = open(log_path, "wb") if log_path is not None else subprocess.PIPE
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0) as probe:
            while True:
                if process.poll() is not None:
                    output = process.stdout.read() if process.stdout else Path(log_path).read_bytes()
                    raise RuntimeError(f"server exited: {output.decode(errors='replace')}")
                try:
                    if probe.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"server did not answer /health within {timeout} s")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        else:
            log.close()
