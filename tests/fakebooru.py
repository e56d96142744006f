"""A small Danbooru-compatible HTTP server on 127.0.0.1 for offline collect tests and benchmarks.

It is the Danbooru of tests/fakesites/ over plain HTTP, for gallery-dl's real Danbooru extractor given this
server's root: ``/posts.json?tags=...&page=...&limit=...`` (numeric pages and the ``b<id>`` cursor form) and the
files. Images are generated mascots. Faults are injected per 'host/path' (`fakesites.proxy.Faults`) so tests can
check retries (429, 500), truncated bodies and slow downloads; every request is counted.
"""

from __future__ import annotations

from collections import Counter

from fakesites.danbooru import Danbooru, file_path
from fakesites.proxy import Fault, Faults, SiteServer
from fakesites.works import SIZE, Work, make_works

API = f"{SiteServer.host}/posts.json"


def make_posts(n: int = 12, seed: int = 0, size: int = SIZE) -> list[Work]:
    """`n` posts tagged 'elf' (every other one also 'mascot'); post 3 is rated explicit, post 5 is tagged '3d'."""
    posts = make_works(n, base_id=0, seed=seed, size=size)
    for post in posts[4:5]:
        post.tags.append("3d")
    return posts


def file_key(post: Work) -> str:
    """'host/path' of a post's file on a FakeBooru: how its hits and faults are keyed."""
    return f"{SiteServer.host}{file_path(post)}"


def refuse(*statuses: int) -> list[Fault]:
    """Error replies to serve in order before the real one, each saying to retry at once."""
    return [Fault(status, {"Retry-After": "0"}) for status in statuses]


class FakeBooru(SiteServer):
    """Run with `with FakeBooru(posts) as booru: booru.root ...`; `booru.hits` counts requests by 'host/path'."""

    def __init__(self, posts: list[Work], faults: Faults | None = None, per_page_max: int = 5) -> None:
        self.site = Danbooru(posts, per_page_max)  # small pages so pagination is exercised
        self.site.hosts = (self.host,)
        super().__init__([self.site], faults)
        self.root = self.site.cdn = self.url

    def file_hits(self) -> Counter[str]:
        return Counter({k: n for k, n in self.hits.items() if k in self.site.files})
