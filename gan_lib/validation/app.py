"""The reader-study web application (FastAPI + Jinja2 templates, one static script for the viewing tools).

Routes
------
``GET  /health``                 liveness probe, ``{"status": "ok"}``
``GET  /invite/{token}``         welcome page for a one-time invitation (does not consume it)
``POST /invite``                 exchange the invitation for a session cookie (consumes it)
``GET  /rate``                   the reader's next image in their own random order (or "finished")
``POST /rate``                   one final answer for the image shown: real/synthetic, confidence 1-5, realism 1-5, note
``GET  /image/{showing_id}``     the PNG of the reader's current showing (each showing has its own random id)
``POST /signout``                end the reader's session in this browser
``GET/POST /admin/login``        admin sign-in with the study's admin secret
``GET  /admin``                  progress per reader;  ``GET /admin/export.csv`` all answers with the key
``POST /admin/logout``

Readers see their images strictly in their own order: only the slot that is
due can be viewed or answered (an answer for another position gets 409), and
an answer stores the seconds since its image was first served.

Every POST is validated server-side (typed form models; bad input gets a 422
page naming the fields), carries a per-session CSRF token on top of
``SameSite=Strict`` cookies, and bodies over ``max_body_bytes`` are refused
with 413 before they are parsed.  Pages are never cached and are served with a
strict Content-Security-Policy.  Labels are never sent to a reader.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, Sequence

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from gan_lib.validation import db
from gan_lib.validation.security import ITEM_ID_PATTERN, check_csrf, parse_split_token

__all__ = ["create_app", "RatingForm", "InviteForm", "AdminLoginForm", "HealthResponse",
           "SignOutForm", "READER_COOKIE", "ADMIN_COOKIE", "DEFAULT_MAX_BODY_BYTES"]

READER_COOKIE = "mw_reader"
ADMIN_COOKIE = "mw_admin"
#: Largest request body accepted (bytes): a rating form is < 1 KiB even with a 500-character note.
DEFAULT_MAX_BODY_BYTES = 16 * 1024
_HERE = Path(__file__).resolve().parent
_SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; "
     b"frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # invite tokens in URLs must not leak through Referer
    (b"x-frame-options", b"DENY"),
]


class RatingForm(BaseModel):
    """One answer as posted by ``rate.html``."""

    model_config = ConfigDict(extra="forbid")
    position: int = Field(ge=0, le=100_000)  # slot in the reader's sequence (not the item id)
    answer: Literal["real", "synthetic"]
    confidence: int = Field(ge=1, le=5)  # 1 = guessing … 5 = certain
    realism: int = Field(ge=1, le=5)  # 1 = clearly artificial … 5 = indistinguishable from clinical images
    note: str = Field(default="", max_length=db.NOTE_MAX_CHARS)
    csrf_token: str = Field(min_length=1, max_length=100)


class InviteForm(BaseModel):
    """The invitation token, posted from the welcome page."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=100)


class AdminLoginForm(BaseModel):
    """The admin secret printed by ``create-study``."""

    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=1, max_length=200)


class SignOutForm(BaseModel):
    """The sign-out buttons of the reader's and the admin's pages."""

    model_config = ConfigDict(extra="forbid")
    csrf_token: str = Field(min_length=1, max_length=100)


class HealthResponse(BaseModel):
    """Body of ``GET /health``."""

    status: Literal["ok"]


class _Guard:
    """ASGI middleware: refuse bodies over ``max_body_bytes`` (413) and add security headers."""

    def __init__(self, app: Any, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _reply(self, send: Any, status: int, text: str) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), *_SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": text.encode()})

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await self._reply(send, 400, "Bad Content-Length header.")
                return
            if int(length) > self.max_body_bytes:
                await self._reply(send, 413, f"Request body too large (limit {self.max_body_bytes} bytes).")
                return
        received = 0
        refused = False

        async def limited_receive() -> dict:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes and not refused:  # chunked uploads without a Content-Length
                    refused = True
                    await self._reply(send, 413, f"Request body too large (limit {self.max_body_bytes} bytes).")
                    return {"type": "http.disconnect"}  # the application stops reading and its reply is dropped
            return message

        async def send_with_headers(message: dict) -> None:
            if refused:
                return
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in _SECURITY_HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)


def _get_conn(request: Request) -> Iterator[sqlite3.Connection]:
    """One database connection per request, closed afterwards."""
    conn = db.connect(request.app.state.settings.db_path)
    try:
        yield conn
    finally:
        conn.close()


Conn = Annotated[sqlite3.Connection, Depends(_get_conn)]


@dataclass(frozen=True)
class _Settings:
    study_dir: Path
    items_dir: Path
    db_path: Path
    cookie_secure: bool
    session_ttl: timedelta
    display_size: tuple[int, int]  # CSS width, height of the image on the rating page (pixels)


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
    conn_meta = db.connect(db_path)  # fails clearly if the database is missing
    try:
        db.init_schema(conn_meta)  # a study database of an older version gets the new columns
        shape = db.get_meta(conn_meta, "image_shape")
    finally:
        conn_meta.close()
    height, width = json.loads(shape or "[1, 1]")
    settings = _Settings(study_dir, items_dir, db_path, cookie_secure, session_ttl,
                         (display_width, max(1, round(display_width * height / width))))

    app = FastAPI(title="mammo-wgan reader study", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(_Guard, max_body_bytes=max_body_bytes)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    templates = Jinja2Templates(directory=_HERE / "templates")

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, template, context, status_code=status)

    def message(request: Request, status: int, title: str, text: str,
                link: tuple[str, str] | None = None) -> HTMLResponse:
        return page(request, "message.html", status, title=title, text=text, link=link)

    def reader_session(request: Request, conn: sqlite3.Connection) -> db.Session | None:
        return db.find_session(conn, parse_split_token(request.cookies.get(READER_COOKIE)), kind="reader")

    def admin_session(request: Request, conn: sqlite3.Connection) -> db.Session | None:
        return db.find_session(conn, parse_split_token(request.cookies.get(ADMIN_COOKIE)), kind="admin")

    def not_signed_in(request: Request) -> HTMLResponse:
        return message(request, 401, "Not signed in",
                       "Open the personal invitation link you received from the study owner. If you already "
                       "accepted it in this browser, continue below.", ("/rate", "Continue"))

    @app.exception_handler(RequestValidationError)
    async def invalid_form(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = sorted({str(err["loc"][-1]) for err in exc.errors() if err.get("loc")})
        return message(request, 422, "Incomplete or invalid answer",
                       "Please go back and check: " + ", ".join(fields) + ". Every question except the note "
                       "needs an answer; the note is limited to "
                       f"{db.NOTE_MAX_CHARS} characters.", ("/rate", "Back to the current image"))

    @app.get("/health", response_model=HealthResponse)
    def health() -> HealthResponse:
        return HealthResponse(status="ok")

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, conn: Conn) -> HTMLResponse:
        return page(request, "index.html", signed_in=reader_session(request, conn) is not None)

    @app.get("/invite/{token}", response_class=HTMLResponse)
    def invite_page(request: Request, token: str, conn: Conn) -> HTMLResponse:
        parsed = parse_split_token(token)
        try:
            if parsed is None:
                raise db.InviteError("unknown")
            reader_id, _ = db.redeem_invite(conn, parsed, consume=False)
        except db.InviteError as error:
            return invite_error(request, error.reason)
        name = conn.execute("SELECT name FROM readers WHERE reader_id = ?", (reader_id,)).fetchone()["name"]
        return page(request, "welcome.html", name=name, token=str(parsed))

    def invite_error(request: Request, reason: str) -> HTMLResponse:
        if reason == "used":
            return message(request, 410, "Invitation already used",
                           "This invitation link was already used. If you accepted it in this browser, continue "
                           "below; otherwise ask the study owner for a new link.", ("/rate", "Continue"))
        if reason == "expired":
            return message(request, 410, "Invitation expired", "Ask the study owner for a new invitation link.")
        return message(request, 404, "Unknown invitation", "This invitation link is not valid. Check that it "
                       "was copied completely, or ask the study owner for a new one.")

    @app.post("/invite")
    def invite_accept(request: Request, form: Annotated[InviteForm, Form()], conn: Conn) -> Response:
        parsed = parse_split_token(form.token)
        try:
            if parsed is None:
                raise db.InviteError("unknown")
            _, session = db.redeem_invite(conn, parsed, session_ttl=settings.session_ttl)
        except db.InviteError as error:
            return invite_error(request, error.reason)
        response = RedirectResponse("/rate", status_code=303)
        response.set_cookie(READER_COOKIE, str(session), max_age=int(settings.session_ttl.total_seconds()),
                            httponly=True, samesite="strict", secure=settings.cookie_secure, path="/")
        return response

    @app.get("/rate", response_class=HTMLResponse)
    def rate_page(request: Request, conn: Conn) -> HTMLResponse:
        session = reader_session(request, conn)
        if session is None:
            return not_signed_in(request)
        slot = db.next_assignment(conn, session.reader_id)
        answered = db.count_answered(conn, session.reader_id)
        if slot is None:
            return page(request, "done.html", name=session.reader_name, answered=answered,
                        signout_csrf=session.csrf_token)
        return page(request, "rate.html", name=session.reader_name, slot=slot, number=answered + 1,
                    csrf_token=session.csrf_token, signout_csrf=session.csrf_token, note_max=db.NOTE_MAX_CHARS,
                    width=settings.display_size[0], height=settings.display_size[1])

    @app.post("/rate")
    def rate_submit(request: Request, form: Annotated[RatingForm, Form()], conn: Conn) -> Response:
        session = reader_session(request, conn)
        if session is None:
            return not_signed_in(request)
        if not check_csrf(form.csrf_token, session.csrf_token):
            return message(request, 403, "Form expired", "This form is no longer valid (it may come from an "
                           "older page). Please reload the current image.", ("/rate", "Current image"))
        try:
            db.record_rating(conn, session.reader_id, form.position, answer=form.answer,
                             confidence=form.confidence, realism=form.realism, note=form.note.strip())
        except db.OutOfSequence as error:
            text = ("This answer is not for the image shown now; it was not saved." if error.reason == "not_due"
                    else "The image was not loaded, so the answer was not saved. Look at the image, then answer.")
            return message(request, 409, "Answer not saved", text, ("/rate", "Current image"))
        except LookupError:
            return message(request, 404, "No such image", "This image is not part of your study.",
                           ("/rate", "Current image"))
        except db.DuplicateRating:
            return message(request, 409, "Already answered",
                           "You already gave your final answer for this image; answers cannot be changed. "
                           "Your earlier answer is kept.", ("/rate", "Continue with the next image"))
        return RedirectResponse("/rate", status_code=303)

    @app.get("/image/{showing_id}")
    def image(request: Request, showing_id: str, conn: Conn) -> Response:
        session = reader_session(request, conn)
        if session is None:
            return Response(status_code=401)
        # The id must look like an id *and* be the reader's due showing; the path is built from its item only then.
        item_id = db.serve_showing(conn, session.reader_id, showing_id) if ITEM_ID_PATTERN.fullmatch(showing_id) else None
        if item_id is None:
            return Response(status_code=404)
        path = settings.items_dir / f"{item_id}.png"
        if path.resolve().parent != settings.items_dir or not path.is_file():
            return Response(status_code=404)
        # Bytes are read here, from files written at study creation: the same code path and the same
        # size for every item, and no Last-Modified/ETag headers.  Each showing has its own URL, so a
        # cached copy never tells a repeat; no-store keeps the image out of the disk cache as well.
        return Response(path.read_bytes(), media_type="image/png", headers={"cache-control": "private, no-store"})

    def end_session(request: Request, conn: sqlite3.Connection, session: db.Session | None, csrf_token: str,
                    back: tuple[str, str]) -> HTMLResponse | None:
        """Sign ``session`` out if the form's CSRF token is its own; the 403 page if not, else ``None``."""
        if session is None:
            return None
        if not check_csrf(csrf_token, session.csrf_token):
            return message(request, 403, "Form expired", "Reload the page and sign out again.", back)
        db.delete_session(conn, session.selector)
        return None

    @app.post("/signout")
    def reader_signout(request: Request, form: Annotated[SignOutForm, Form()], conn: Conn) -> Response:
        refused = end_session(request, conn, reader_session(request, conn), form.csrf_token, ("/rate", "Current image"))
        if refused is not None:
            return refused
        response = message(request, 200, "Signed out",
                           "Your answers are saved. To continue later, ask the study owner for a new invitation link.")
        response.delete_cookie(READER_COOKIE, path="/")
        return response

    @app.get("/admin/login", response_class=HTMLResponse)
    def admin_login_page(request: Request) -> HTMLResponse:
        return page(request, "admin_login.html")

    @app.post("/admin/login")
    def admin_login(request: Request, form: Annotated[AdminLoginForm, Form()], conn: Conn) -> Response:
        if not db.check_admin_secret(conn, form.secret):
            return message(request, 403, "Wrong admin secret",
                           "Use the admin secret printed by create-study.", ("/admin/login", "Try again"))
        token = db.create_admin_session(conn)
        response = RedirectResponse("/admin", status_code=303)
        response.set_cookie(ADMIN_COOKIE, str(token), max_age=8 * 3600, httponly=True, samesite="strict",
                            secure=settings.cookie_secure, path="/admin")
        return response

    @app.get("/admin", response_class=HTMLResponse)
    def admin(request: Request, conn: Conn) -> Response:
        session = admin_session(request, conn)
        if session is None:
            return RedirectResponse("/admin/login", status_code=303)
        table = db.progress(conn)
        return page(request, "admin.html", rows=table.to_dict("records"), csrf_token=session.csrf_token,
                    n_items=int(conn.execute("SELECT count(*) FROM items").fetchone()[0]))

    @app.get("/admin/export.csv")
    def admin_export(request: Request, conn: Conn) -> Response:
        if admin_session(request, conn) is None:
            return Response("Admin sign-in required.", status_code=401, media_type="text/plain")
        return Response(db.to_csv_text(db.export_ratings(conn)), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="reader_study_export.csv"'})

    @app.post("/admin/logout")
    def admin_logout(request: Request, form: Annotated[SignOutForm, Form()], conn: Conn) -> Response:
        refused = end_session(request, conn, admin_session(request, conn), form.csrf_token, ("/admin", "Admin page"))
        if refused is not None:
            return refused
        response = RedirectResponse("/admin/login", status_code=303)
        response.delete_cookie(ADMIN_COOKIE, path="/admin")
        return response

    return app
