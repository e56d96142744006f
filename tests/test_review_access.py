"""With `curator review --remote` running: only the holder of the printed token gets in, only the
review's own files come out, and the review database has no TCP port that anyone could connect to.

One real review session (CLI child process, embedded mongod, FiftyOne server) serves the module;
it is ended the way a closed terminal ends it, and must leave no process or socket behind.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import psutil
import pytest

from curator.review.config import ReviewConfig
from curator.review.database import STATE_FILE, database_dir, free_port
from review_process import ReviewProcess

APP_START_TIMEOUT_S = 150
NOBODY = 65534


def _get(port: int, target: str, headers: dict[str, str] | None = None, method: str = "GET",
         body: bytes | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, target, body=body, headers=headers or {})
    resp = conn.getresponse()
    resp.body = resp.read()
    conn.close()
    return resp


@pytest.fixture(scope="module")
def session(tmp_path_factory, _imported_template):
    root = tmp_path_factory.mktemp("access") / "ws"
    shutil.copytree(_imported_template, root)
    port = free_port()
    review = ReviewProcess(root, port)
    state = database_dir(root, ReviewConfig()) / STATE_FILE
    info = {"root": root, "port": port, "review": review}
    try:
        url = review.wait_for("App: ", APP_START_TIMEOUT_S).split(" ", 1)[1]
        parts = urlsplit(url)
        info.update(url=url, path=parts.path, token=parts.query.removeprefix("token="),
                    mongo=json.loads(state.read_text()), server=psutil.Process(review.proc.pid).children())
        yield info
    finally:
        review.stop()


@pytest.fixture(scope="module")
def cookie(session):
    """The cookie the token URL sets, as a browser would send it back."""
    resp = _get(session["port"], f"{session['path']}?token={session['token']}")
    set_cookie = resp.getheader("set-cookie")
    return set_cookie.split(";", 1)[0]


def _media(session, cookie, path) -> http.client.HTTPResponse:
    return _get(session["port"], "/media?filepath=" + quote(str(path), safe=""), {"Cookie": cookie})


def test_the_url_carries_a_fresh_token_that_sets_a_strict_cookie(session):
    assert session["url"].startswith(f"http://127.0.0.1:{session['port']}/datasets/") and len(session["token"]) >= 40
    resp = _get(session["port"], f"{session['path']}?token={session['token']}")
    assert resp.status == 200
    attrs = [a.strip() for a in resp.getheader("set-cookie").split(";")]
    assert attrs[0] == f"curator-review-{session['port']}={session['token']}"
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(attrs[1:])
    # The page moves on to the same address without the token in it.
    assert f'url={session["path"]}"'.encode() in resp.body and session["token"].encode() not in resp.body


def test_without_the_token_every_route_is_refused(session):
    port, obj = session["port"], next((session["root"] / "objects").glob("*/*"))
    for method, target, headers in [
        ("GET", session["path"], {}),
        ("GET", "/", {}),
        ("GET", "/fiftyone", {}),
        ("GET", "/media?filepath=/etc/passwd", {}),
        ("GET", "/media?filepath=" + quote(str(obj)), {}),
        ("POST", "/graphql", {"Content-Type": "application/json"}),
        ("POST", "/events", {"Content-Type": "application/json"}),
        ("GET", session["path"] + "?token=not-the-token", {}),
        ("GET", "/fiftyone", {"Authorization": "Bearer not-the-token"}),
        ("GET", "/fiftyone", {"Cookie": f"curator-review-{port}=not-the-token"}),
    ]:
        resp = _get(port, target, headers, method=method, body=b"{}" if method == "POST" else None)
        assert resp.status == 403, (method, target, resp.status)
        assert resp.getheader("set-cookie") is None and b"token" in resp.body


def test_a_page_on_another_site_is_refused_even_with_the_cookie(session, cookie):
    resp = _get(session["port"], "/graphql", {"Cookie": cookie, "Origin": "http://evil.example",
                                              "Content-Type": "application/json"}, method="POST", body=b"{}")
    assert resp.status == 403


def test_media_comes_only_from_the_store_and_the_review_media(session, cookie):
    root = session["root"]
    obj = next((root / "objects").glob("*/*"))
    resp = _media(session, cookie, obj)
    assert resp.status == 200 and resp.body == obj.read_bytes()
    linked = next((root / "cache" / "review-media").glob("*/*"))
    assert _media(session, cookie, linked).status == 200
    # A symlink planted in the store (by anyone who can write there) does not lead out of it.
    planted = root / "objects" / "00" / "planted.png"
    planted.parent.mkdir(exist_ok=True)
    planted.symlink_to("/etc/passwd")
    for path in ["/etc/passwd", "/etc/shadow", "/proc/self/environ", root / "curator.toml",
                 next((root / "manifests").glob("*.json")), f"{root}/objects/../curator.toml",
                 f"{obj.parent}/../../../../../../../etc/passwd", planted, "/etc/passwd\x00.png"]:
        assert _media(session, cookie, path).status == 403, path
    # A second filepath cannot smuggle another file past the check.
    two = f"/media?filepath={quote(str(obj))}&filepath=/etc/passwd"
    assert _get(session["port"], two, {"Cookie": cookie}).status == 403


def test_the_app_answers_the_token_holder(session, cookie):
    assert _get(session["port"], session["path"], {"Cookie": cookie}).status == 200
    assert json.loads(_get(session["port"], "/fiftyone", {"Cookie": cookie}).body)["version"]


def test_the_token_is_on_no_command_line(session):
    for proc in psutil.process_iter(["cmdline"]):
        assert session["token"] not in " ".join(proc.info["cmdline"] or []), proc


def test_the_database_has_no_tcp_port_and_a_private_socket(session):
    mongod = psutil.Process(session["mongo"]["pid"])
    assert mongod.name() == "mongod"
    listening = [c for c in mongod.net_connections(kind="all") if c.status == psutil.CONN_LISTEN or not c.raddr]
    assert listening and all(c.family == socket.AF_UNIX for c in listening), listening
    assert not mongod.net_connections(kind="inet")
    sock = Path(session["mongo"]["socket"])
    assert {c.laddr for c in listening} == {str(sock)}
    assert oct(sock.parent.stat().st_mode & 0o777) == "0o700" and sock.parent.stat().st_uid == os.getuid()
    # No TCP listener on this machine belongs to the database (FiftyOne's default port included).
    tcp_pids = {c.pid for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
    assert mongod.pid not in tcp_pids


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_another_user_cannot_connect_to_the_database(session):
    probe = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
             "try:\n s.connect(sys.argv[1]); print('connected')\nexcept OSError as e: print(e.errno)")
    out = subprocess.run(["/usr/bin/python3", "-I", "-c", probe, session["mongo"]["socket"]], user=NOBODY,
                         group=NOBODY, capture_output=True, text=True, cwd="/", timeout=30)
    assert out.stdout.strip() == str(errno.EACCES), out
    # The same probe as the owner connects: the refusal above is the permissions, not a dead socket.
    mine = subprocess.run([sys.executable, "-I", "-c", probe, session["mongo"]["socket"]], capture_output=True, text=True,
                          timeout=30)
    assert mine.stdout.strip() == "connected", mine


def test_ending_the_session_leaves_nothing_running(session):
    review = session["review"]
    output = review.finish()
    assert review.proc.returncode == 0, output
    assert "nothing to sync" in output
    assert not psutil.pid_exists(session["mongo"]["pid"])
    assert all(not p.is_running() for p in session["server"])
    assert not Path(session["mongo"]["socket"]).parent.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", session["port"]), timeout=2).close()


def _curator(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FIFTYONE_DO_NOT_TRACK": "true"}
    return subprocess.run([sys.executable, "-m", "curator.cli.app", "-w", str(root), *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.mark.parametrize("port", ["0", "99999", "-1", "65536", "abc"])
def test_a_port_outside_1_to_65535_is_one_line_and_exit_2(imported_ws, port):
    out = _curator(imported_ws.root, "review", "--remote", "--port", port)
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr and "--port" in out.stderr
    if port.lstrip("-").isdigit():
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_a_public_address_warns_and_a_busy_port_is_refused_before_anything_starts(imported_ws):
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = _curator(imported_ws.root, "review", "--remote", "--address", "0.0.0.0", "--port", str(port))
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("warning: --address 0.0.0.0") and "SSH tunnel" in lines[0]
    assert f"port {port} on 0.0.0.0 is in use" in lines[1]
    assert not (database_dir(imported_ws.root, ReviewConfig()) / STATE_FILE).exists()


def test_a_database_left_by_a_killed_curator_is_adopted_and_stopped(tmp_path):
    from curator.review.database import EmbeddedMongo

    dbdir = tmp_path / "db"
    first = EmbeddedMongo.start(dbdir)
    try:
        assert oct(dbdir.stat().st_mode & 0o777) == "0o700"
        # The curator process that started it is gone (as after kill -9): its pid is a finished child's.
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        state = json.loads((dbdir / STATE_FILE).read_text())
        (dbdir / STATE_FILE).write_text(json.dumps({**state, "owner": int(dead.stdout)}))
        found = EmbeddedMongo.running(dbdir)
        assert found is not None and found.owned and found.pid == first.pid
        assert json.loads((dbdir / STATE_FILE).read_text())["owner"] == os.getpid()
        # While its starter lives, another process only attaches.
        assert not EmbeddedMongo.running(dbdir).owned
        found.stop()
        first.process.wait(30)
        assert not (dbdir / STATE_FILE).exists() and not first.socket.parent.exists()
        assert EmbeddedMongo.running(dbdir) is None
    finally:
        first.stop()


def test_curator_run_review_serves_the_same_guarded_app(imported_ws):
    """`curator run --review-now` reviews through `review_in_app`: the same token URL, then a sync."""
    import signal

    root = imported_ws.root
    port = free_port()
    toml = (root / "curator.toml").read_text()
    (root / "curator.toml").write_text(re.sub(r"(?m)^port = \d+$", f"port = {port}", toml, count=1))
    script = ("import sys\nfrom pathlib import Path\nfrom curator.workspace import Workspace\nfrom curator.review.session import review_in_app\n"
              "ws = Workspace(Path(sys.argv[1]))\nr = review_in_app(ws, ws.manifests.load('latest'), open_browser=False)\n"
              "print('synced', r.manifest is None)\n")
    env = {**os.environ, "FIFTYONE_DO_NOT_TRACK": "true", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", script, str(root)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("tag samples"):
                break
        apps = [ln for ln in lines if ln.startswith("App: ")]
        assert apps, "".join(lines)
        url = apps[0].split(" ", 1)[1].strip()
        parts = urlsplit(url)
        assert parts.query.startswith("token=") and parts.port == port
        assert _get(port, parts.path).status == 403
        assert _get(port, "/media?filepath=/etc/passwd", {"Authorization": f"Bearer {parts.query[6:]}"}).status == 403
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=90)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "synced True" in rest, "".join(lines) + rest
