"""A small Danbooru-compatible HTTP server on 127.0.0.1 for offline collect tests and benchmarks.

It speaks just enough of the Danbooru JSON API for gallery-dl's real Danbooru extractor:
``/posts.json?tags=...&page=...&limit=...`` (numeric pages and the ``b<id>`` cursor form) and
serves the files. Images are generated mascots. Faults are injected per path so tests can check
retries (429, 500), truncated bodies and slow downloads; every request is counted.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from curator.sample import FAMILIES, MascotSpec, draw_mascot
from fakesites.proxy import LocalServer, QuietHandler


@dataclass
class FakePost:
    id: int
    tags: list[str]
    rating: str
    size: int
    image: bytes
    artist: str = "someone"

    @property
    def md5(self) -> str:
        return hashlib.md5(self.image).hexdigest()

    @property
    def file_path(self) -> str:
        return f"/data/{self.md5}.png"

    def api_json(self, root: str) -> dict:
        general = [t for t in self.tags]
        return {
            "id": self.id, "created_at": f"2024-01-{1 + self.id % 28:02d}T12:00:00.000+09:00",
            "rating": self.rating, "md5": self.md5, "file_ext": "png", "file_size": len(self.image),
            "image_width": self.size, "image_height": self.size, "score": 1, "source": f"https://example.org/src/{self.id}",
            "file_url": root + self.file_path, "large_file_url": root + self.file_path,
            "tag_string": " ".join(sorted([*self.tags, self.artist])), "tag_string_artist": self.artist,
            "tag_string_character": "", "tag_string_copyright": "original", "tag_string_general": " ".join(general),
            "tag_string_meta": "",
        }


def make_posts(n: int = 12, seed: int = 0, size: int = 96) -> list[FakePost]:
    """`n` posts tagged 'elf' (every other one also 'mascot'); post 3 is rated 'e', post 5 is tagged '3d'."""
    rng = random.Random(seed)
    posts = []
    families = sorted(FAMILIES)
    for i in range(1, n + 1):
        img, _ = draw_mascot(MascotSpec.random(families[i % len(families)], rng, size=size))
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "PNG")
        tags = ["elf"] + (["mascot"] if i % 2 == 0 else []) + (["3d"] if i == 5 else [])
        posts.append(FakePost(id=i, tags=tags, rating="e" if i == 3 else "g", size=size, image=buf.getvalue(),
                              artist=f"artist_{i % 3}"))
    return posts


@dataclass
class Faults:
    """Responses to give before the normal one, by request path (e.g. '/posts.json' or a file path)."""

    statuses: dict[str, list[int]] = field(default_factory=dict)  # path -> status codes, consumed in order
    truncate: set[str] = field(default_factory=set)  # file paths whose first download is cut in half
    file_delay: float = 0.0  # seconds before each file response (to make a kill land mid-run)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # extra headers for a file path


class FakeBooru(LocalServer):
    """Run with `with FakeBooru(posts) as booru: booru.root ...`; `booru.hits` counts requests by path."""

    def __init__(self, posts: list[FakePost], faults: Faults | None = None, per_page_max: int = 5) -> None:
        self.posts = sorted(posts, key=lambda p: -p.id)
        self.files = {p.file_path: p for p in posts}
        self.faults = faults or Faults()
        self.per_page_max = per_page_max  # small pages so pagination is exercised
        super().__init__()  # hits: path -> requests

    root = LocalServer.url

    def file_hits(self) -> Counter[str]:
        return Counter({k: v for k, v in self.hits.items() if k.startswith("/data/")})

    def search(self, tags: list[str], page: str | None, limit: int) -> list[dict]:
        limit = min(limit, self.per_page_max)
        hits = [p for p in self.posts if all(t in p.tags for t in tags)]
        if page and page.startswith("b"):
            hits = [p for p in hits if p.id < int(page[1:])][:limit]
        else:
            start = (int(page or 1) - 1) * limit
            hits = hits[start:start + limit]
        return [p.api_json(self.root) for p in hits]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        booru = self

        class Handler(QuietHandler):
            def _send(self, code: int, body: bytes, ctype: str, extra: dict[str, str] | None = None,
                      length: int | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                if length is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                fault = booru._count(url.path, booru.faults.statuses)
                if fault is not None:
                    self._send(fault, b'{"error": "injected"}', "application/json", {"Retry-After": "0"})
                    return
                if url.path == "/posts.json":
                    q = parse_qs(url.query)
                    tags = [t for t in q.get("tags", [""])[0].split() if not t.startswith("order:")]
                    body = booru.search(tags, q.get("page", [None])[0], int(q.get("limit", ["20"])[0]))
                    self._send(200, json.dumps(body).encode(), "application/json")
                elif url.path in booru.files:
                    self._file(url.path)
                else:
                    self._send(404, b"{}", "application/json")

            def _file(self, path: str) -> None:
                if booru.faults.file_delay:
                    time.sleep(booru.faults.file_delay)
                data = booru.files[path].image
                extra = booru.faults.headers.get(path)
                if booru._take(path, booru.faults.truncate):
                    # Promise the whole file, send half, hang up: the client must notice and retry.
                    self._send(200, data[: len(data) // 2], "image/png", extra, length=len(data))
                    self.close_connection = True
                    return
                start = self._range_start()
                if start and start < len(data):  # resume an interrupted download, as real file hosts do
                    rng = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}", **(extra or {})}
                    self._send(206, data[start:], "image/png", rng)
                    return
                self._send(200, data, "image/png", extra)

            def _range_start(self) -> int:
                value = self.headers.get("Range", "")
                if value.startswith("bytes=") and value.endswith("-"):
                    return int(value[6:-1] or 0)
                return 0

        return Handler
