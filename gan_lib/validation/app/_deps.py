"""What a route reads from its request: the app's settings, a database connection, the signed-in session."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Iterator

from fastapi import Depends, Request

from gan_lib.validation import db
from gan_lib.validation.security import parse_split_token

__all__ = ["READER_COOKIE", "ADMIN_COOKIE", "Settings", "SettingsDep", "Conn", "reader_session", "admin_session"]

READER_COOKIE = "mw_reader"
ADMIN_COOKIE = "mw_admin"


@dataclass(frozen=True)
class Settings:
    """One study's serving settings, fixed by :func:`~gan_lib.validation.app.create_app`."""

    study_dir: Path
    items_dir: Path
    db_path: Path
    cookie_secure: bool
    session_ttl: timedelta
    display_size: tuple[int, int]  # CSS width, height of the image on the rating page (pixels)


def _get_settings(request: Request) -> Settings:
    return request.app.state.settings


def _get_conn(request: Request) -> Iterator[sqlite3.Connection]:
    """One database connection per request, closed afterwards."""
    conn = db.connect(request.app.state.settings.db_path)
    try:
        yield conn
    finally:
        conn.close()


SettingsDep = Annotated[Settings, Depends(_get_settings)]
Conn = Annotated[sqlite3.Connection, Depends(_get_conn)]


def reader_session(request: Request, conn: sqlite3.Connection) -> db.Session | None:
    """The live reader session of the request's cookie, or ``None``."""
    return db.find_session(conn, parse_split_token(request.cookies.get(READER_COOKIE)), kind="reader")


def admin_session(request: Request, conn: sqlite3.Connection) -> db.Session | None:
    """The live admin session of the request's cookie, or ``None``."""
    return db.find_session(conn, parse_split_token(request.cookies.get(ADMIN_COOKIE)), kind="admin")
