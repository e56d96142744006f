"""What every fake site shares: the files it serves by host and path, and queries that are the tag itself."""

from __future__ import annotations

from fakesites.proxy import Reply, Request
from fakesites.works import Work


class FakeSite:
    files: dict[str, Work]  # host + path -> the work whose image is served there

    def query(self, tag: str) -> str:
        return tag

    def file_reply(self, req: Request) -> Reply | None:
        work = self.files.get(req.host + req.path)
        return None if work is None else Reply(200, work.image, "image/png")
