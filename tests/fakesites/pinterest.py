"""www.pinterest.com: the web API's `BaseSearchResource` (bookmark paging), with a logged-in
session cookie; files on i.pinimg.com."""

from __future__ import annotations

import json

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work

PINIMG = "i.pinimg.com"
SESSION = "fake-session"


class Pinterest(FakeSite):
    name = "pinterest"
    hosts = ("www.pinterest.com", PINIMG)
    api_key = "www.pinterest.com/resource/BaseSearchResource/get/"

    def file_url(self, w: Work) -> str:
        return f"https://{PINIMG}/originals/{w.md5[:2]}/{w.md5[2:4]}/{w.md5[4:6]}/{w.md5}.png"

    def pin(self, w: Work) -> dict:
        return {
            "id": str(w.id * 1000), "type": "pin", "title": w.title, "grid_title": w.title,
            "description": " An elf. ", "created_at": w.posted.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "pinner": {"id": "55", "username": "collector", "full_name": "A Collector"},
            "native_creator": {"id": "66", "username": w.artist, "full_name": w.artist.title()},
            "images": {"orig": {"url": self.file_url(w), "width": w.size, "height": w.size},
                       "236x": {"url": "https://i.pinimg.com/236x/x.jpg", "width": 236, "height": 236}},
            "link": f"https://example.org/art/{w.id}", "domain": "example.org", "videos": None,
            "story_pin_data": None, "carousel_data": None,
        }

    def expected(self, w: Work, query: str) -> dict:
        return {"site": "pinterest", "page": f"https://www.pinterest.com/pin/{w.id * 1000}/", "url": self.file_url(w),
                "artist": w.artist, "title": w.title, "tags": [], "licence": None, "posted": w.posted_iso,
                "query": query, "rating": None}

    def api(self, req: Request) -> Reply:
        if req.path != "/resource/BaseSearchResource/get/":
            return Reply(404, b"", "text/html")
        if f"_pinterest_sess={SESSION}" not in req.headers.get("cookie", ""):
            return Reply.of_json({"resource_response": {"error": {"message": "Unauthorized", "http_status": 401}}}, 401)
        options = json.loads(req.arg("data") or "{}")["options"]
        hits = [w for w in self.works if options["query"] in w.tags]
        start = int((options.get("bookmarks") or ["0"])[0])
        chunk = hits[start:start + self.per_page]
        bookmark = str(start + self.per_page) if start + self.per_page < len(hits) else "-end-"
        return Reply.of_json({"resource_response": {"status": "success", "data": {"results": [self.pin(w) for w in chunk]}},
                              "resource": {"name": "BaseSearchResource", "options": {**options, "bookmarks": [bookmark]}}})

    @staticmethod
    def cookies_txt() -> str:
        return ("# Netscape HTTP Cookie File\n"
                f".pinterest.com\tTRUE\t/\tTRUE\t2000000000\t_pinterest_sess\t{SESSION}\n")
