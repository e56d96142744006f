"""A TLS-terminating HTTPS proxy on 127.0.0.1 that answers for real site hosts from local fakes.

gallery-dl's extractors for DeviantArt, ArtStation, Flickr, Pixiv, Pinterest, Wikimedia Commons
and Gelbooru have fixed roots, so the tests point gallery-dl's `proxy` option here and its `verify`
option at a test CA. The proxy accepts `CONNECT host:443`, terminates TLS with a certificate that
CA signed for every faked host, then reads the HTTP requests inside the tunnel and hands each to
the fake site registered for that host. A host with no fake gets a refused CONNECT, so nothing
can leak to the internet.

Faults are injected per `host + path`: statuses (e.g. 429 with Retry-After, 403), extra response
headers (opt-out signals) and cut bodies (a file that promises more bytes than it sends). Every
request is counted per `host + path`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, [default])[0]

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    ctype: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, data: Any, status: int = 200) -> "Reply":
        return cls(status, json.dumps(data).encode())


class Site(Protocol):
    hosts: tuple[str, ...]

    def handle(self, req: Request) -> Reply: ...


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"error": "injected"}'


@dataclass
class Faults:
    """Per 'host/path': replies served before the real one, headers added to it, bodies cut once.

    A None in a `before` queue lets that request through, so a fault can hit the third page.
    """

    before: dict[str, list[Fault | None]] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    cut: set[str] = field(default_factory=set)
    file_delay: float = 0.0  # seconds before every image reply (to make a kill land mid-run)


def make_ca(folder: Path, hosts: list[str]) -> tuple[Path, Path, Path]:
    """A test CA (written to ca.pem) and one server certificate it signed for all `hosts`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "curator test CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca_cert.public_bytes(pem))
    cert_path.write_bytes(cert.public_bytes(pem))
    key_path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca_path, cert_path, key_path


class LocalServer:
    """A threaded HTTP server on 127.0.0.1, run with `with`; shared by the fakes (the servers below).

    Requests are counted in `hits` by key; `_count` also takes the next fault queued for that key, under one lock.
    """

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _count(self, key: str, queues: dict[str, list]) -> Any:
        with self._lock:
            self.hits[key] += 1
            queue = queues.get(key)
            return queue.pop(0) if queue else None

    def _take(self, key: str, once: set[str]) -> bool:
        """Whether `key` is in `once`, removing it: a fault that hits the first request only."""
        with self._lock:
            found = key in once
            once.discard(key)
            return found

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write: no Nagle/delayed-ACK stall per response

    def log_message(self, *args) -> None:  # keep test output clean
        pass


class FolderServer(LocalServer):
    """The files below `folder`, by http.server's own handler: a stand-in for a download site."""

    def __init__(self, folder: Path) -> None:
        self._folder = str(folder)
        super().__init__()

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        return functools.partial(SimpleHTTPRequestHandler, directory=self._folder)


class SiteServer(LocalServer):
    """Answers each request from the fake site registered for its host; faults and hits are keyed 'host/path'.

    Plain-HTTP requests to this server itself are answered for `host` (FakeInternet adds TLS tunnels).
    """

    host: str | None = "127.0.0.1"

    def __init__(self, sites: list[Site], faults: Faults | None = None) -> None:
        self.sites = {host: site for site in sites for host in site.hosts}
        self.faults = faults or Faults()
        super().__init__()  # hits: 'host/path' -> requests

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        net = self

        class Handler(QuietHandler):
            tunnel_host: str | None = None

            def do_GET(self) -> None:
                host = self.tunnel_host or net.host
                if host is None:  # plain-HTTP proxying is not offered
                    self._send(Reply(502, b"https only"))
                    return
                url = urlsplit(self.path)
                key = f"{host}{url.path}"
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = net._count(key, net.faults.before)
                if fault is not None:
                    self._send(Reply(fault.status, fault.body, "application/json", fault.headers))
                    return
                req = Request(self.command, host, url.path, parse_qs(url.query, keep_blank_values=True),
                              {k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    reply = net.sites[host].handle(req)
                except Exception as exc:  # a bug in a fake: say so in the client's log, do not hang up
                    reply = Reply(500, f"fake site error: {exc!r}".encode(), "text/plain")
                reply.headers = {**reply.headers, **net.faults.headers.get(key, {})}
                if reply.ctype.startswith("image/"):
                    time.sleep(net.faults.file_delay)
                if reply.status == 200 and net._take(key, net.faults.cut):
                    self._send(reply, cut=True)
                    return
                self._send(reply)

            do_POST = do_HEAD = do_GET

            def _send(self, reply: Reply, cut: bool = False) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.ctype)
                self.send_header("Content-Length", str(len(reply.body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if cut:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    # A cut body promises the whole file, sends half and hangs up.
                    self.wfile.write(reply.body[: len(reply.body) // 2] if cut else reply.body)
                if cut:
                    self.close_connection = True

        return Handler


class FakeInternet(SiteServer):
    """`with FakeInternet(sites, tmp) as net:` gallery-dl options `net.options` route it here."""

    host = None  # only requests inside a CONNECT tunnel are answered

    def __init__(self, sites: list[Site], folder: Path, faults: Faults | None = None) -> None:
        super().__init__(sites, faults)
        self.ca, cert, key = make_ca(folder, sorted(self.sites))
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert, key)

    @property
    def options(self) -> dict[str, Any]:
        """gallery-dl extractor options sending every request through this proxy, trusting its CA."""
        return {"proxy": self.url, "verify": str(self.ca), "proxy-env": False}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        net, base = self, super()._handler()

        class Handler(base):
            def do_CONNECT(self) -> None:
                host = self.path.rsplit(":", 1)[0]
                if host not in net.sites:
                    self.send_error(502, "no fake for this host")
                    self.close_connection = True
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                try:
                    self.connection = net._tls.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    self.close_connection = True
                    return
                # Requests inside the tunnel are read by the same handler loop from the TLS socket.
                self.rfile = self.connection.makefile("rb", self.rbufsize)
                self.wfile = self.connection.makefile("wb", self.wbufsize)
                self.tunnel_host = host
                self.close_connection = False

        return Handler


def key_of(url: str) -> str:
    """'host/path' of a URL: how hits, faults and served files are keyed (the query aside)."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"
