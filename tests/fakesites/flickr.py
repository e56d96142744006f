"""Flickr: the public API key scraped from www.flickr.com/photos/, `flickr.photos.search` on
api.flickr.com (page/pages), licence ids in `extras`; files on live.staticflickr.com."""

from __future__ import annotations

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work

STATIC = "live.staticflickr.com"
SITE_KEY = "0123456789abcdef0123456789abcdef"
# Flickr's licence ids (flickr.photos.licenses.getInfo) and the names curator records for them.
LICENCE_IDS = {4: "CC BY 2.0", 9: "CC0 1.0", 5: "CC BY-SA 2.0", 0: "All Rights Reserved", 10: "Public Domain Mark 1.0"}


class Flickr(FakeSite):
    name = "flickr"
    hosts = ("www.flickr.com", "api.flickr.com", STATIC)
    api_key = "api.flickr.com/services/rest/"
    retries_429 = False  # gallery-dl's Flickr client takes any answer below 500 as final

    def file_url(self, w: Work) -> str:
        return f"https://{STATIC}/65535/{w.id}_{w.md5[:10]}_o.png"

    @staticmethod
    def nsid(w: Work) -> str:
        return f"{w.id % 3 + 1000}@N0{w.id % 3}"

    def licence_id(self, w: Work) -> int:
        return sorted(LICENCE_IDS)[w.id % len(LICENCE_IDS)]

    def photo(self, w: Work, extras: list[str]) -> dict:
        p = {"id": str(w.id), "owner": self.nsid(w), "secret": w.md5[:10], "server": "65535", "farm": 66,
             "title": w.title, "ispublic": 1, "isfriend": 0, "isfamily": 0,
             "description": {"_content": " An elf. "}, "dateupload": str(w.ts), "ownername": w.artist,
             "views": "12", "tags": " ".join(w.tags), "media": "photo", "media_status": "ready",
             "pathalias": w.artist.replace("_", "")}
        if "license" in extras:
            p["license"] = str(self.licence_id(w))
        if "url_o" in extras:
            p.update({"url_o": self.file_url(w), "width_o": w.size, "height_o": w.size})
        return p

    def expected(self, w: Work, query: str) -> dict:
        return {"site": "flickr", "page": f"https://www.flickr.com/photos/{self.nsid(w)}/{w.id}",
                "url": self.file_url(w), "artist": w.artist, "title": w.title, "tags": w.tags,
                "licence": LICENCE_IDS[self.licence_id(w)], "posted": w.posted_iso, "query": query, "rating": None}

    def api(self, req: Request) -> Reply:
        key = req.host + req.path
        if key == "www.flickr.com/photos/":
            return Reply(200, f'<script>root.YUI_config.flickr.api.site_key = "{SITE_KEY}";</script>'.encode(), "text/html")
        if key != "api.flickr.com/services/rest/":
            return Reply(404, b"", "text/html")
        if req.arg("api_key") != SITE_KEY:
            return Reply.of_json({"stat": "fail", "code": 100, "message": "Invalid API Key (Key has invalid format)"})
        if req.arg("method") != "flickr.photos.search":
            return Reply.of_json({"stat": "fail", "code": 112, "message": "Method not found"})
        hits = [w for w in self.works if req.arg("text") in w.tags]
        page = int(req.arg("page") or 1)
        chunk = hits[(page - 1) * self.per_page:page * self.per_page]
        pages = max(1, -(-len(hits) // self.per_page))
        extras = (req.arg("extras") or "").split(",")
        return Reply.of_json({"photos": {"page": page, "pages": pages, "perpage": self.per_page, "total": len(hits),
                                         "photo": [self.photo(w, extras) for w in chunk]}, "stat": "ok"})
