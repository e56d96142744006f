"""What every fake site shares: its works, a page size, the files it serves by host and path, and queries
that are the tag itself."""

from __future__ import annotations

from functools import cached_property

from fakesites.proxy import Reply, Request, key_of
from fakesites.works import Work


class FakeSite:
    retries_429 = True  # whether the site's gallery-dl client retries a 429 (so a test injects one)

    def __init__(self, works: list[Work], per_page: int = 2) -> None:
        self.works = works
        self.per_page = per_page

    @cached_property
    def files(self) -> dict[str, Work]:
        """host + path -> the work whose image is served there: where `file_url` says, its query (a CDN token or
        cache-buster) aside, so the URLs a site hands out and the files it serves cannot disagree."""
        return {key_of(self.file_url(w)): w for w in self.works}

    def file_url(self, w: Work) -> str:
        raise NotImplementedError

    def query(self, tag: str) -> str:
        return tag

    def api(self, req: Request) -> Reply:
        raise NotImplementedError

    def handle(self, req: Request) -> Reply:
        """The file at the request's host and path (resumed from a Range), else what the site's `api` says."""
        work = self.files.get(req.host + req.path)
        if work is None:
            return self.api(req)
        data, value = work.image, req.headers.get("range", "")
        start = int(value[6:-1] or 0) if value.startswith("bytes=") and value.endswith("-") else 0
        if 0 < start < len(data):  # resume an interrupted download, as real file hosts do
            span = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return Reply(206, data[start:], "image/png", {"Content-Range": span})
        return Reply(200, data, "image/png")
