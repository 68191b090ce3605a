"""Routes of a signed-in reader: the start page, the due image's rating page, its answer, and its PNG.

Only the slot that is due can be viewed or answered (an answer for another
position gets 409), and only after its image was served; labels never reach
the browser.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gan_lib.validation import db
from gan_lib.validation.app._deps import Conn, SettingsDep, reader_session
from gan_lib.validation.app._forms import RatingForm
from gan_lib.validation.app._pages import message, not_signed_in, page
from gan_lib.validation.security import ITEM_ID_PATTERN, check_csrf

__all__ = ["router"]

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def index(request: Request, conn: Conn) -> HTMLResponse:
    """The start page (says whether this browser holds a reader session)."""
    return page(request, "index.html", signed_in=reader_session(request, conn) is not None)


@router.get("/rate", response_class=HTMLResponse)
def rate_page(request: Request, conn: Conn, settings: SettingsDep) -> HTMLResponse:
    """The reader's due slot, or the "finished" page."""
    session = reader_session(request, conn)
    if session is None:
        return not_signed_in(request)
    slot = db.next_assignment(conn, session.reader_id)
    answered = db.count_answered(conn, session.reader_id)
    if slot is None:
        return page(request, "done.html", name=session.reader_name, answered=answered, signout_csrf=session.csrf_token)
    return page(
        request,
        "rate.html",
        name=session.reader_name,
        slot=slot,
        number=answered + 1,
        csrf_token=session.csrf_token,
        signout_csrf=session.csrf_token,
        note_max=db.NOTE_MAX_CHARS,
        width=settings.display_size[0],
        height=settings.display_size[1],
    )


@router.post("/rate")
def rate_submit(request: Request, form: Annotated[RatingForm, Form()], conn: Conn) -> Response:
    """Store the final answer for the due slot, then show the next one."""
    session = reader_session(request, conn)
    if session is None:
        return not_signed_in(request)
    if not check_csrf(form.csrf_token, session.csrf_token):
        return message(
            request,
            403,
            "Form expired",
            "This form is no longer valid (it may come from an older page). Please reload the current image.",
            ("/rate", "Current image"),
        )
    try:
        db.record_rating(
            conn,
            session.reader_id,
            form.position,
            answer=form.answer,
            confidence=form.confidence,
            realism=form.realism,
            note=form.note.strip(),
        )
    except db.OutOfSequence as error:
        text = (
            "This answer is not for the image shown now; it was not saved."
            if error.reason == "not_due"
            else "The image was not loaded, so the answer was not saved. Look at the image, then answer."
        )
        return message(request, 409, "Answer not saved", text, ("/rate", "Current image"))
    except LookupError:
        return message(
            request, 404, "No such image", "This image is not part of your study.", ("/rate", "Current image")
        )
    except db.DuplicateRating:
        return message(
            request,
            409,
            "Already answered",
            "You already gave your final answer for this image; answers cannot be changed. "
            "Your earlier answer is kept.",
            ("/rate", "Continue with the next image"),
        )
    return RedirectResponse("/rate", status_code=303)


@router.get("/image/{showing_id}")
def image(request: Request, showing_id: str, conn: Conn, settings: SettingsDep) -> Response:
    """The PNG of the reader's due showing; 404 for any other id."""
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
