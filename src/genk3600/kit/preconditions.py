"""Optimistic concurrency for every versioned resource (tickets, canned answers, catalogue entries): an `ETag`
that is the version, and `If-Match` required to change it (RFC 9110 §13.1.1), so a concurrent change is never
silently overwritten."""

from __future__ import annotations

from genk3600.errors import AppError
from genk3600.i18n.catalogue import P_


class PreconditionFailed(AppError):
    status = 412
    title = P_("Precondition failed")
    slug = "precondition-failed"


class PreconditionRequired(AppError):
    status = 428
    title = P_("Precondition required")
    slug = "precondition-required"


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(version: int, if_match: str | None, missing: str, changed: str) -> None:
    """428 (`missing`) without If-Match, 412 (`changed`, with `{version}`) when it names another version than
    `version`; `*` matches any. The texts are catalogue texts naming the resource."""
    if if_match is None:
        raise PreconditionRequired(missing)
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" not in tags and etag(version) not in tags:
        raise PreconditionFailed(changed, params={"version": version}, current_etag=etag(version))
