"""The reader-study web application (FastAPI + Jinja2 templates, one static script for the viewing tools).

Routes
------
``GET  /``                       start page (continue if this browser holds a reader session)
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

- :mod:`._create`   :func:`create_app`: settings, middleware, static files, routers;
- :mod:`._guard`    the request-body limit and the security headers (ASGI middleware);
- :mod:`._forms`    typed form and response models;
- :mod:`._deps`     settings, the per-request connection and the signed-in session, as route dependencies;
- :mod:`._pages`    templates, message pages, the 422 page;
- :mod:`._reader`   ``/``, ``/rate``, ``/image``;
- :mod:`._sessions` ``/invite``, ``/signout``, ``/admin/login``, ``/admin/logout``;
- :mod:`._admin`    ``/admin``, ``/admin/export.csv``.
"""

from gan_lib.validation.app._create import create_app
from gan_lib.validation.app._deps import ADMIN_COOKIE, READER_COOKIE
from gan_lib.validation.app._forms import AdminLoginForm, HealthResponse, InviteForm, RatingForm, SignOutForm
from gan_lib.validation.app._guard import DEFAULT_MAX_BODY_BYTES

__all__ = [
    "create_app",
    "RatingForm",
    "InviteForm",
    "AdminLoginForm",
    "HealthResponse",
    "SignOutForm",
    "READER_COOKIE",
    "ADMIN_COOKIE",
    "DEFAULT_MAX_BODY_BYTES",
]
