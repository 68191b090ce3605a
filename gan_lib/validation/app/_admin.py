"""Routes of the signed-in study owner: progress per reader and the export of every answer with the key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gan_lib.validation import db
from gan_lib.validation.app._deps import Conn, admin_session
from gan_lib.validation.app._pages import page

__all__ = ["router"]

router = APIRouter()


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, conn: Conn) -> Response:
    """Progress per reader (no labels); without an admin session, a redirect to the login."""
    session = admin_session(request, conn)
    if session is None:
        return RedirectResponse("/admin/login", status_code=303)
    table = db.progress(conn)
    return page(
        request,
        "admin.html",
        rows=table.to_dict("records"),
        csrf_token=session.csrf_token,
        n_items=int(conn.execute("SELECT count(*) FROM items").fetchone()[0]),
    )


@router.get("/admin/export.csv")
def admin_export(request: Request, conn: Conn) -> Response:
    """Every answer joined with the answer key, as a CSV download (401 without an admin session)."""
    if admin_session(request, conn) is None:
        return Response("Admin sign-in required.", status_code=401, media_type="text/plain")
    return Response(
        db.to_csv_text(db.export_ratings(conn)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="reader_study_export.csv"'},
    )
