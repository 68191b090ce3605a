"""Routes that start or end a session: invitations, the reader's sign-out, the admin's login and logout.

Session cookies are ``HttpOnly`` and ``SameSite=Strict``; signing out needs the
session's CSRF token and deletes the session on the server, so a copied cookie
stops working too.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gan_lib.validation import db
from gan_lib.validation.app._deps import (
    ADMIN_COOKIE,
    READER_COOKIE,
    Conn,
    SettingsDep,
    admin_session,
    reader_session,
)
from gan_lib.validation.app._forms import AdminLoginForm, InviteForm, SignOutForm
from gan_lib.validation.app._pages import message, page
from gan_lib.validation.security import check_csrf, parse_split_token

__all__ = ["router"]

router = APIRouter()


def _invite_error(request: Request, reason: str) -> HTMLResponse:
    """The page for an invitation that is ``"used"`` (410), ``"expired"`` (410) or unknown (404)."""
    if reason == "used":
        return message(
            request,
            410,
            "Invitation already used",
            "This invitation link was already used. If you accepted it in this browser, continue "
            "below; otherwise ask the study owner for a new link.",
            ("/rate", "Continue"),
        )
    if reason == "expired":
        return message(request, 410, "Invitation expired", "Ask the study owner for a new invitation link.")
    return message(
        request,
        404,
        "Unknown invitation",
        "This invitation link is not valid. Check that it was copied completely, or ask the study owner for a new one.",
    )


def _end_session(
    request: Request, conn: sqlite3.Connection, session: db.Session | None, csrf_token: str, back: tuple[str, str]
) -> HTMLResponse | None:
    """Sign ``session`` out if the form's CSRF token is its own; the 403 page if not, else ``None``."""
    if session is None:
        return None
    if not check_csrf(csrf_token, session.csrf_token):
        return message(request, 403, "Form expired", "Reload the page and sign out again.", back)
    db.delete_session(conn, session.selector)
    return None


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_page(request: Request, token: str, conn: Conn) -> HTMLResponse:
    """The welcome page of an invitation; it checks the invitation but does not consume it."""
    parsed = parse_split_token(token)
    try:
        if parsed is None:
            raise db.InviteError("unknown")
        reader_id, _ = db.redeem_invite(conn, parsed, consume=False)
    except db.InviteError as error:
        return _invite_error(request, error.reason)
    name = conn.execute("SELECT name FROM readers WHERE reader_id = ?", (reader_id,)).fetchone()["name"]
    return page(request, "welcome.html", name=name, token=str(parsed))


@router.post("/invite")
def invite_accept(request: Request, form: Annotated[InviteForm, Form()], conn: Conn, settings: SettingsDep) -> Response:
    """Exchange the invitation for a reader session cookie, once."""
    parsed = parse_split_token(form.token)
    try:
        if parsed is None:
            raise db.InviteError("unknown")
        _, session = db.redeem_invite(conn, parsed, session_ttl=settings.session_ttl)
    except db.InviteError as error:
        return _invite_error(request, error.reason)
    response = RedirectResponse("/rate", status_code=303)
    response.set_cookie(
        READER_COOKIE,
        str(session),
        max_age=int(settings.session_ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/signout")
def reader_signout(request: Request, form: Annotated[SignOutForm, Form()], conn: Conn) -> Response:
    """End the reader's session in this browser (their answers are kept)."""
    refused = _end_session(request, conn, reader_session(request, conn), form.csrf_token, ("/rate", "Current image"))
    if refused is not None:
        return refused
    response = message(
        request,
        200,
        "Signed out",
        "Your answers are saved. To continue later, ask the study owner for a new invitation link.",
    )
    response.delete_cookie(READER_COOKIE, path="/")
    return response


@router.get("/admin/login", response_class=HTMLResponse)
def admin_login_page(request: Request) -> HTMLResponse:
    """The admin sign-in form."""
    return page(request, "admin_login.html")


@router.post("/admin/login")
def admin_login(
    request: Request, form: Annotated[AdminLoginForm, Form()], conn: Conn, settings: SettingsDep
) -> Response:
    """Exchange the study's admin secret for an admin session cookie (8 hours, ``/admin`` only)."""
    if not db.check_admin_secret(conn, form.secret):
        return message(
            request,
            403,
            "Wrong admin secret",
            "Use the admin secret printed by create-study.",
            ("/admin/login", "Try again"),
        )
    token = db.create_admin_session(conn)
    response = RedirectResponse("/admin", status_code=303)
    response.set_cookie(
        ADMIN_COOKIE,
        str(token),
        max_age=8 * 3600,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/admin",
    )
    return response


@router.post("/admin/logout")
def admin_logout(request: Request, form: Annotated[SignOutForm, Form()], conn: Conn) -> Response:
    """End the admin session."""
    refused = _end_session(request, conn, admin_session(request, conn), form.csrf_token, ("/admin", "Admin page"))
    if refused is not None:
        return refused
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(ADMIN_COOKIE, path="/admin")
    return response
