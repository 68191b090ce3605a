"""The HTML the application renders: Jinja2 pages, message pages, and the 422 page for invalid forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gan_lib.validation import db

__all__ = ["STATIC_DIR", "page", "message", "not_signed_in", "invalid_form"]

_VALIDATION_DIR = Path(__file__).resolve().parents[1]
#: The stylesheet and the viewer script, served under ``/static``.
STATIC_DIR = _VALIDATION_DIR / "static"
_TEMPLATES = Jinja2Templates(directory=_VALIDATION_DIR / "templates")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``templates/<template>`` with ``context``."""
    return _TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def message(request: Request, status: int, title: str, text: str, link: tuple[str, str] | None = None) -> HTMLResponse:
    """A page with a title, one paragraph and an optional ``(href, label)`` link onward."""
    return page(request, "message.html", status, title=title, text=text, link=link)


def not_signed_in(request: Request) -> HTMLResponse:
    """The 401 page for a reader route without a live reader session."""
    return message(
        request,
        401,
        "Not signed in",
        "Open the personal invitation link you received from the study owner. If you already "
        "accepted it in this browser, continue below.",
        ("/rate", "Continue"),
    )


async def invalid_form(request: Request, exc: RequestValidationError) -> HTMLResponse:
    """Exception handler: a 422 page naming the fields of a form that failed validation."""
    fields = sorted({str(err["loc"][-1]) for err in exc.errors() if err.get("loc")})
    return message(
        request,
        422,
        "Incomplete or invalid answer",
        "Please go back and check: " + ", ".join(fields) + ". Every question except the note "
        "needs an answer; the note is limited to "
        f"{db.NOTE_MAX_CHARS} characters.",
        ("/rate", "Back to the current image"),
    )
