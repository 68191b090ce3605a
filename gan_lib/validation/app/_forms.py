"""Typed bodies of the application: every form a page posts, and the health response."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gan_lib.validation import db

__all__ = ["RatingForm", "InviteForm", "AdminLoginForm", "SignOutForm", "HealthResponse"]


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
