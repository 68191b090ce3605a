"""The application for one study folder: settings, middleware, static files and the three routers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Sequence

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.staticfiles import StaticFiles

from gan_lib.validation import db
from gan_lib.validation.app import _admin, _reader, _sessions
from gan_lib.validation.app._deps import Settings
from gan_lib.validation.app._forms import HealthResponse
from gan_lib.validation.app._guard import DEFAULT_MAX_BODY_BYTES, Guard
from gan_lib.validation.app._pages import STATIC_DIR, invalid_form

__all__ = ["create_app"]


def create_app(
    study_dir: str | Path,
    db_path: str | Path | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    cookie_secure: bool = False,
    session_ttl: timedelta = timedelta(days=30),
    display_width: int = 512,
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """Build the application for one study folder.

    Parameters
    ----------
    study_dir : path-like
        Folder made by :func:`gan_lib.validation.study.create_study` (holds ``items/``).
    db_path : path-like, optional
        Default ``study_dir / "ratings.sqlite"``.
    max_body_bytes : int
        Larger request bodies are refused with 413.
    cookie_secure : bool
        Set the ``Secure`` flag on cookies; use it when serving behind HTTPS.
    session_ttl : timedelta
        Lifetime of a reader session (readers may resume within it).
    display_width : int
        CSS width of the image on the rating page, in pixels (height follows the aspect ratio).
    allowed_hosts : sequence of str, optional
        Accepted ``Host`` headers (others get 400), which defeats DNS-rebinding attacks on a
        loopback server; ``None`` accepts any (the test client's ``testserver``).
    """
    study_dir = Path(study_dir).resolve()
    items_dir = study_dir / "items"
    db_path = Path(db_path) if db_path is not None else study_dir / "ratings.sqlite"
    if not items_dir.is_dir():
        raise FileNotFoundError(f"study folder {study_dir} has no items/ folder; pass the folder create-study wrote.")
    height, width = _prepare_database(db_path)
    settings = Settings(
        study_dir,
        items_dir,
        db_path,
        cookie_secure,
        session_ttl,
        (display_width, max(1, round(display_width * height / width))),
    )

    app = FastAPI(title="mammo-wgan reader study", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(Guard, max_body_bytes=max_body_bytes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(RequestValidationError, invalid_form)
    app.add_api_route("/health", health, methods=["GET"], response_model=HealthResponse)
    for module in (_reader, _sessions, _admin):
        app.include_router(module.router)
    return app


def _prepare_database(db_path: Path) -> tuple[int, int]:
    """Bring the study database up to the current schema and return its images' ``(height, width)``.

    Fails clearly if the database is missing; an older study keeps its answers.
    """
    conn = db.connect(db_path)
    try:
        db.init_schema(conn)  # a study database of an older version gets the new columns
        shape = db.get_meta(conn, "image_shape")
    finally:
        conn.close()
    height, width = json.loads(shape or "[1, 1]")
    return height, width


def health() -> HealthResponse:
    """Liveness probe: ``{"status": "ok"}``."""
    return HealthResponse(status="ok")
