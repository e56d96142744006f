"""Who may use the review App, and which files it may send: the policy, free of any web framework.

FiftyOne's server answers `/media?filepath=ANY` with any file the user can read, and every other
route without asking who is calling. A review session therefore has a secret token (shown in the
printed URL, the way Jupyter does it): the first request carries it as `?token=`, which sets an
HttpOnly, SameSite=Strict cookie; later requests carry the cookie (or `Authorization: Bearer`).
Media is sent only from the workspace's store and the review's own media folder, judged on the
real path (symlinks and `..` resolved), and the request is rewritten to that one checked path so
that FiftyOne opens exactly what was checked.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode

TOKEN_PARAM = "token"
MEDIA_PARAM = "filepath"
COOKIE_PREFIX = "curator-review-"
HOST_HEADER = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[^:\[\]]+))(?::\d{1,5})?")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a host name: only 'localhost' is known to stay on this machine
        return False


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison, so the token cannot be guessed byte by byte from response times."""
    if not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "surrogateescape"))


def inside(path: str, roots: Iterable[str]) -> bool:
    """Whether `path` (resolved) is a file below one of `roots` (resolved)."""
    real = os.path.realpath(path)
    for root in roots:
        root_real = os.path.realpath(root)
        try:
            if os.path.commonpath([real, root_real]) == root_real and real != root_real:
                return True
        except ValueError:  # a relative path against an absolute root, or different drives
            continue
    return False


@dataclass(frozen=True)
class Decision:
    """What to do with one request: pass it on (maybe with a rewritten query), or answer it here."""

    allow: bool
    status: int = 200
    reason: str = ""
    query: bytes | None = None  # the query string to pass on instead of the original
    set_cookie: str | None = None  # a Set-Cookie value; with it the request is answered by a redirect
    location: str | None = None


@dataclass(frozen=True)
class Guard:
    """The policy of one review session: its token, its cookie, the folders media may come from."""

    token: str
    media_roots: tuple[str, ...]
    cookie_name: str = COOKIE_PREFIX + "session"
    loopback_only: bool = False  # the server listens on loopback: only loopback host names are served

    @classmethod
    def for_server(cls, token: str, media_roots: Iterable[str], address: str, port: int) -> "Guard":
        # Browsers share cookies between ports of one host, so each review port has its own cookie.
        return cls(token=token, media_roots=tuple(str(r) for r in media_roots), cookie_name=f"{COOKIE_PREFIX}{port}",
                   loopback_only=is_loopback(address))

    def host_allowed(self, host: str | None) -> bool:
        """On a loopback server, a Host naming another site is DNS rebinding: that name now points here."""
        if not self.loopback_only:
            return True
        match = HOST_HEADER.fullmatch(host or "")
        return match is not None and is_loopback((match["v6"] or match["name"]).lower())

    def cookie_token(self, cookie_header: str | None) -> str | None:
        if not cookie_header:
            return None
        jar = SimpleCookie()
        try:
            jar.load(cookie_header)
        except CookieError:
            return None
        morsel = jar.get(self.cookie_name)
        return morsel.value if morsel is not None else None

    def session_cookie(self) -> str:
        return f"{self.cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict"

    def media_allowed(self, path: str) -> bool:
        return bool(path) and "\x00" not in path and inside(path, self.media_roots)

    def decide(self, method: str, path: str, query_string: bytes, headers: dict[str, str]) -> Decision:
        """The decision for one request. `headers` has lower-case names; `query_string` is raw."""
        origin = headers.get("origin")
        host = headers.get("host")
        if not self.host_allowed(host):
            return Decision(False, 403, f"host {host!r} is not this machine's loopback name")
        # A page on another site must not drive the App even if the browser attached the cookie.
        if origin is not None and host is not None and origin != f"http://{host}" and origin != f"https://{host}":
            return Decision(False, 403, f"cross-origin request from {origin} refused")

        params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        query_tokens = [v for k, v in params if k == TOKEN_PARAM]
        bearer = headers.get("authorization", "")
        bearer = bearer[7:].strip() if bearer[:7].lower() == "bearer " else None
        if query_tokens:
            if not all(token_matches(self.token, t) for t in query_tokens):
                return Decision(False, 403, "wrong token")
            rest = [(k, v) for k, v in params if k != TOKEN_PARAM]
            if method in ("GET", "HEAD"):
                # Same-origin only: '//host' would be read by the browser as another site.
                location = "/" + quote(path, safe="/:@!$&'()*+,;=-._~").lstrip("/") + ("?" + urlencode(rest) if rest else "")
                return Decision(False, 200, "token accepted", set_cookie=self.session_cookie(), location=location)
            params = rest
        elif not (token_matches(self.token, bearer) or token_matches(self.token, self.cookie_token(headers.get("cookie")))):
            return Decision(False, 403, "no valid token")

        media = [v for k, v in params if k == MEDIA_PARAM]
        if not media:
            return Decision(True, query=urlencode(params).encode("latin-1") if query_tokens else None)
        if not all(self.media_allowed(p) for p in media):
            return Decision(False, 403, "file outside the review's media")
        # One checked, resolved path replaces whatever was asked (several values, '..', symlinks).
        checked = [(k, v) for k, v in params if k != MEDIA_PARAM] + [(MEDIA_PARAM, os.path.realpath(media[-1]))]
        return Decision(True, query=urlencode(checked).encode("latin-1"))
