"""REST endpoints for the caller's account and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from dossier.accounts import selectors, services
from dossier.accounts.auth import ApiRequest
from dossier.accounts.models import ApiToken
from dossier.core.schemas import ERRORS, OneOf, not_a_boolean

router = Router(tags=["account"])


class MeOut(Schema):
    username: str
    role: str | None
    permissions: list[str]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scope: Annotated[str, OneOf(dict(ApiToken.SCOPES))] = Field(
        "read", description="read or read_write (a read token cannot make a read_write one)"
    )
    expires_in_days: int | None = Field(
        None,
        ge=1,
        le=3650,
        description=(
            "Days until it expires. A token made with a token that expires may not outlive it: "
            "left out, it ends with that token; more days than that token has left are refused."
        ),
    )

    _whole_days = field_validator("expires_in_days", mode="before")(not_a_boolean)


class TokenCreatedOut(TokenOut):
    secret: str = Field(..., description="Shown only in this response.")


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: ApiRequest) -> Any:
    user = request.user
    return {
        "username": user.get_username(),
        "role": selectors.role_of_cached(user),
        "permissions": sorted(user.get_all_permissions()),
    }


@router.get("/tokens", response={200: list[TokenOut], **ERRORS})
def list_tokens(request: ApiRequest) -> Any:
    return list(selectors.token_list(user=request.user))


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS})
def create_token(request: ApiRequest, payload: TokenIn) -> Any:
    # a token may only create tokens no wider and no longer-lived than itself
    token, secret = services.create_token(user=request.user, parent=request.auth, **payload.dict())
    token.secret = secret  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request: ApiRequest, token_id: int) -> Any:
    services.revoke_token(token_id=token_id, actor=request.user)
    return Status(204, None)
