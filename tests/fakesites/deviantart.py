"""www.deviantart.com: OAuth client-credentials token, `/browse/tags` (offset paging) and
`/deviation/metadata` (licence and tags) of the public API; files on images-wixmp-*.wixmp.com."""

from __future__ import annotations

import uuid

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work

WIXMP = "images-wixmp-ed30a86b8c4ca887773594c2.wixmp.com"
LICENCES = ["No License", "Creative Commons Attribution-Noncommercial-No Derivative Works 3.0 License"]
INDEX0 = 900000000  # above gallery-dl's 'intermediary' cut-off, so the served URL is the one fetched


class DeviantArt(FakeSite):
    name = "deviantart"
    hosts = ("www.deviantart.com", WIXMP)
    api_key = "www.deviantart.com/api/v1/oauth2/browse/tags"
    retries_429 = True  # gallery-dl's DeviantArt client retries a 429 itself, 1 s more each time
    pages_before_last = 2  # the 429 comes on the last page: after one, every API call waits 1 s

    def __init__(self, works: list[Work], per_page: int = 2) -> None:
        super().__init__(works, per_page)
        self.uuid = {w.id: str(uuid.UUID(int=w.id)) for w in works}
        self.by_uuid = {self.uuid[w.id]: w for w in works}
        self.tokens = 0

    def file_url(self, w: Work) -> str:
        return f"https://{WIXMP}/f/{self.uuid[w.id]}/d{w.id:x}-{w.md5[:8]}.png?token=abc.def"

    def page(self, w: Work) -> str:
        return f"https://www.deviantart.com/{w.artist}/art/{w.title.replace(' ', '-')}-{INDEX0 + w.id}"

    def licence(self, w: Work) -> str:
        return LICENCES[w.id % 2]

    def deviation(self, w: Work) -> dict:
        return {
            "deviationid": self.uuid[w.id], "printid": None, "url": self.page(w), "title": w.title,
            "is_favourited": False, "is_deleted": False, "is_published": True, "is_blocked": False,
            "author": {"userid": str(uuid.UUID(int=7)), "username": w.artist, "type": "regular",
                       "usericon": "https://a.deviantart.net/avatars/default.gif"},
            "stats": {"comments": 0, "favourites": 3}, "published_time": str(w.ts), "allows_comments": True,
            "content": {"src": self.file_url(w), "height": w.size, "width": w.size, "transparency": False,
                        "filesize": len(w.image)},
            "thumbs": [], "is_mature": w.mature, "is_downloadable": False,
        }

    def metadata(self, w: Work) -> dict:
        return {"deviationid": self.uuid[w.id], "printid": None, "author": self.deviation(w)["author"],
                "is_watching": False, "title": w.title, "description": "", "license": self.licence(w),
                "allows_comments": True, "tags": [{"tag_name": t, "sponsored": False, "sponsor": ""} for t in w.tags],
                "is_favourited": False, "is_mature": w.mature}

    def expected(self, w: Work, query: str) -> dict:
        return {"site": "deviantart", "page": self.page(w), "url": self.file_url(w), "artist": w.artist,
                "title": w.title, "tags": w.tags, "licence": self.licence(w), "posted": w.posted_iso,
                "query": query, "rating": "general"}

    def api(self, req: Request) -> Reply:
        if req.path == "/oauth2/token" and req.method == "POST":
            self.tokens += 1
            return Reply.of_json({"access_token": f"token{self.tokens}", "token_type": "Bearer", "expires_in": 3600,
                                  "status": "success"})
        if not req.headers.get("authorization", "").startswith("Bearer token"):
            return Reply.of_json({"error": "invalid_token", "error_description": "Expired oAuth2 user token."}, 401)
        if req.path == "/api/v1/oauth2/browse/tags":
            hits = [w for w in self.works if req.arg("tag") in w.tags]
            offset = int(req.arg("offset") or 0)
            chunk = hits[offset:offset + self.per_page]
            more = offset + self.per_page < len(hits)
            return Reply.of_json({"has_more": more, "next_offset": offset + len(chunk) if more else None,
                                  "estimated_total": len(hits), "results": [self.deviation(w) for w in chunk]})
        if req.path == "/api/v1/oauth2/deviation/metadata":
            ids = [v[0] for k, v in sorted(req.query.items()) if k.startswith("deviationids[")]
            return Reply.of_json({"metadata": [self.metadata(self.by_uuid[i]) for i in ids]})
        return Reply.of_json({"error": "invalid_request", "error_description": "Not found."}, 404)
