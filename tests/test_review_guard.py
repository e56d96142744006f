"""The review App's guard: token and cookie, cross-origin refusal, and which files media may send.

Pure policy (no server): every case here is one request the guard must refuse or pass on.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, quote

import pytest

from curator.review.guard import Guard, inside, is_loopback, new_token, token_matches

PORT = 5199


@pytest.fixture
def tree(tmp_path):
    """A store and a media folder with one file each, a secret next to them, and tricky links."""
    store, media, outside = tmp_path / "ws" / "objects", tmp_path / "ws" / "cache" / "review-media", tmp_path / "secret"
    for d in (store / "ab", media / "ab", outside):
        d.mkdir(parents=True)
    (store / "ab" / "abc").write_bytes(b"object")
    (media / "ab" / "abc.png").write_bytes(b"media")
    (outside / "key").write_text("secret")
    (store / "ab" / "escape").symlink_to(outside / "key")  # a link in the store to a file outside
    (store / "ab" / "dirlink").symlink_to(outside, target_is_directory=True)
    (tmp_path / "ws" / "objects-evil").mkdir()  # shares the store's name as a prefix
    (tmp_path / "ws" / "objects-evil" / "x").write_text("x")
    (outside / "into-store").symlink_to(store / "ab" / "abc")  # a link outside to a file inside
    return {"store": store, "media": media, "outside": outside, "root": tmp_path}


@pytest.fixture
def guard(tree):
    return Guard.for_server(new_token(), [tree["store"], tree["media"]], "127.0.0.1", PORT)


def _request(guard, path="/", query="", headers=None, method="GET", cookie=True, bearer=False):
    h = {"host": f"127.0.0.1:{PORT}", **(headers or {})}
    if cookie:
        h["cookie"] = f"other=1; {guard.cookie_name}={guard.token}"
    if bearer:
        h["authorization"] = f"Bearer {guard.token}"
    return guard.decide(method, path, query.encode("latin-1"), h)


def _media(guard, path, **kw):
    return _request(guard, "/media", "filepath=" + quote(str(path), safe=""), **kw)


def test_token_compare_and_loopback():
    token = new_token()
    assert len(token) >= 40 and token != new_token()
    assert token_matches(token, token) and not token_matches(token, token[:-1]) and not token_matches(token, None)
    assert not token_matches(token, "") and not token_matches(token, token + "x") and not token_matches(token, "\udcff")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.5")


def test_no_token_no_entry(guard, tree):
    obj = tree["store"] / "ab" / "abc"
    for decision in (
        _request(guard, "/", cookie=False),
        _request(guard, "/fiftyone", cookie=False),
        _request(guard, "/graphql", method="POST", cookie=False),
        _request(guard, "/events", method="POST", cookie=False),
        _media(guard, obj, cookie=False),
        _request(guard, "/", cookie=False, headers={"cookie": f"{guard.cookie_name}=wrong"}),
        _request(guard, "/", cookie=False, headers={"authorization": "Bearer wrong"}),
        _request(guard, "/", query="token=wrong", cookie=False),
        # A right token with a wrong one beside it is still refused.
        _request(guard, "/", query=f"token={guard.token}&token=wrong", cookie=False),
        # The cookie of another review port on the same host is not this one's.
        _request(guard, "/", cookie=False, headers={"cookie": f"curator-review-{PORT + 1}={guard.token}"}),
    ):
        assert not decision.allow and decision.status == 403 and decision.set_cookie is None


def test_token_in_url_sets_a_strict_cookie_and_redirects_without_it(guard):
    d = _request(guard, "/datasets/ds", query=f"token={guard.token}&view=x", cookie=False)
    assert d.set_cookie == f"{guard.cookie_name}={guard.token}; Path=/; HttpOnly; SameSite=Strict"
    assert d.location == "/datasets/ds?view=x" and guard.token not in d.location
    # Never an absolute or protocol-relative target (an open redirect).
    assert _request(guard, "//evil.example/x", query=f"token={guard.token}", cookie=False).location == "/evil.example/x"
    # A POST with the token passes on, the token taken out of the query.
    post = _request(guard, "/graphql", query=f"token={guard.token}&a=1", method="POST", cookie=False)
    assert post.allow and post.query == b"a=1"


def test_cookie_or_bearer_passes(guard):
    assert _request(guard, "/graphql", method="POST").allow
    assert _request(guard, "/fiftyone", cookie=False, bearer=True).allow
    d = _request(guard, "/events", method="POST")
    assert d.allow and d.query is None  # untouched


def test_cross_origin_requests_are_refused_even_with_the_cookie(guard):
    assert _request(guard, "/graphql", method="POST", headers={"origin": f"http://127.0.0.1:{PORT}"}).allow
    for origin in ("http://evil.example", f"http://127.0.0.1:{PORT + 1}", "null", f"http://127.0.0.1:{PORT}, http://evil.example"):
        d = _request(guard, "/graphql", method="POST", headers={"origin": origin})
        assert not d.allow and d.status == 403, origin


def test_a_loopback_server_answers_only_loopback_host_names(guard, tree):
    # An SSH tunnel may use another local port: only the name is checked.
    for host in (f"127.0.0.1:{PORT}", f"localhost:{PORT}", "localhost:8080", "[::1]:8080", "LOCALHOST", "127.0.0.1"):
        assert _request(guard, headers={"host": host}).allow, host
    # DNS rebinding: a site's name resolving to 127.0.0.1 reaches the port with its own Host.
    for host in (f"evil.example:{PORT}", "evil.example", "", "127.0.0.1.evil.example:80", "[::1].evil:1"):
        d = _request(guard, headers={"host": host})
        assert not d.allow and d.status == 403, host
    public = Guard.for_server(guard.token, guard.media_roots, "0.0.0.0", PORT)
    assert not public.loopback_only and _request(public, headers={"host": "my-box.lab:5199"}).allow


def test_media_only_from_the_store_and_the_review_media(guard, tree):
    store, media, outside, root = tree["store"], tree["media"], tree["outside"], tree["root"]
    for ok in (store / "ab" / "abc", media / "ab" / "abc.png", outside / "into-store"):
        d = _media(guard, ok)
        assert d.allow, ok
        # The query passed on holds exactly one, resolved path.
        assert parse_qsl(d.query.decode()) == [("filepath", os.path.realpath(ok))]
    refused = [
        "/etc/passwd",
        outside / "key",
        store / "ab" / "escape",  # symlink out of the store
        store / "ab" / "dirlink" / "key",  # through a linked directory
        f"{store}/ab/../../../secret/key",  # ..
        f"{store}/../objects-evil/x",
        root / "ws" / "objects-evil" / "x",  # a sibling whose name starts like the store's
        store,  # the folder itself
        f"{store}/ab/abc\x00.png",
        "objects/ab/abc",  # relative: resolved against the server's directory, not the workspace
        "",
    ]
    for bad in refused:
        d = _media(guard, bad)
        assert not d.allow and d.status == 403, bad


def test_media_query_tricks(guard, tree):
    obj, secret = tree["store"] / "ab" / "abc", "/etc/passwd"
    # Double encoding stays a literal '%2F...' path, which is no file in the store.
    assert not _request(guard, "/media", "filepath=" + quote(quote(secret, safe=""), safe="")).allow
    # A second filepath (the server reads the last one) is refused, whichever order.
    for q in (f"filepath={quote(str(obj))}&filepath={quote(secret)}", f"filepath={quote(secret)}&filepath={quote(str(obj))}"):
        assert not _request(guard, "/media", q).allow
    # '+' and %-escapes decode as the server decodes them, then must still land in the store.
    assert _request(guard, "/media", "filepath=" + quote(str(obj), safe="")).allow
    # The policy follows the parameter, not the route: any path carrying filepath is checked.
    for path in ("/media/", "//media", "/MEDIA", "/anything"):
        assert not _request(guard, path, f"filepath={quote(secret)}").allow


def test_inside_handles_missing_and_relative_paths(tree):
    store = str(tree["store"])
    assert not inside("/nonexistent/file", [store])
    assert inside(str(Path(store) / "ab" / "not-yet"), [store])  # a missing file below the store is judged by its path
    assert not inside(store, [store])


def _asgi(guard, scope_extra, messages=({"type": "websocket.connect"},)):
    """Run GuardedApp on one fake request; returns what it sent and the scopes that reached the App."""
    import asyncio

    from curator.review.server import GuardedApp

    reached, sent, incoming = [], [], list(messages)

    async def app(scope, receive, send):
        reached.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"",
             "headers": [(b"host", f"127.0.0.1:{PORT}".encode())], **scope_extra}
    asyncio.run(GuardedApp(app, guard)(scope, receive, send))
    return sent, reached


def test_the_asgi_layer_answers_refusals_itself(guard, tree):
    cookie = (b"cookie", f"{guard.cookie_name}={guard.token}".encode())
    host = (b"host", f"127.0.0.1:{PORT}".encode())
    # A websocket without the token is closed before FiftyOne sees it.
    sent, reached = _asgi(guard, {"type": "websocket", "path": "/events"})
    assert reached == [] and sent == [{"type": "websocket.close", "code": 1008}]
    # A refused request never reaches the App; its answer is a plain 403.
    sent, reached = _asgi(guard, {"path": "/media", "query_string": b"filepath=/etc/passwd", "headers": [host, cookie]})
    assert reached == [] and sent[0]["status"] == 403
    # A second Cookie header with the right token does not hide a second Origin header from another site.
    sent, reached = _asgi(guard, {"headers": [host, cookie, (b"origin", f"http://127.0.0.1:{PORT}".encode()),
                                              (b"origin", b"http://evil.example")]})
    assert reached == [] and sent[0]["status"] == 403
    # An allowed media request reaches the App with the checked, resolved path only.
    obj = tree["store"] / "ab" / "abc"
    query = f"filepath={quote(str(tree['outside'] / 'into-store'), safe='')}&filepath={quote(str(obj), safe='')}"
    sent, reached = _asgi(guard, {"path": "/media", "query_string": query.encode(), "headers": [host, cookie]})
    assert [parse_qsl(s["query_string"].decode()) for s in reached] == [[("filepath", os.path.realpath(obj))]]
    # The token URL answers with the cookie and a page that moves on; FiftyOne is not asked.
    sent, reached = _asgi(guard, {"path": "/datasets/d", "query_string": f"token={guard.token}".encode(), "headers": [host]})
    headers = dict(sent[0]["headers"])
    assert reached == [] and sent[0]["status"] == 200 and headers[b"set-cookie"].startswith(guard.cookie_name.encode())
    assert b'url=/datasets/d"' in sent[1]["body"] and guard.token.encode() not in sent[1]["body"]
