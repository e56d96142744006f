"""gelbooru.com: the JSON dapi with `api_key` + `user_id`, paged by `id:<LAST` once a page is at
least half full (gallery-dl asks for 100); files on img3.gelbooru.com."""

from __future__ import annotations

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work

IMG = "img3.gelbooru.com"
API_KEY, USER_ID = "fakekey", "12345"


class Gelbooru(FakeSite):
    name = "gelbooru"
    hosts = ("gelbooru.com", IMG)
    api_key = "gelbooru.com/index.php"

    def __init__(self, works: list[Work], per_page: int = 50, filler: int = 48) -> None:
        # gallery-dl only asks for another page after one with at least 50 posts: pad the first page
        # with explicit-rated posts that the rating filter must keep from ever being downloaded.
        super().__init__(works, per_page)
        self.filler = [self.post(Work(id=2000 + i, title="", artist="someone", tags=["elf", "nude"], posted=works[0].posted,
                                      image=f"filler {i}".encode(), mature=True)) for i in range(filler)]

    def file_url(self, w: Work) -> str:
        return f"https://{IMG}/images/{w.md5[:2]}/{w.md5[2:4]}/{w.md5}.png"

    def post(self, w: Work) -> dict:
        return {"id": w.id, "created_at": w.posted.strftime("%a %b %d %H:%M:%S +0000 %Y"), "score": 4,
                "width": w.size, "height": w.size, "md5": w.md5, "directory": f"{w.md5[:2]}/{w.md5[2:4]}",
                "image": f"{w.md5}.png", "rating": "explicit" if w.mature else "general",
                "source": f"https://example.org/{w.id}", "change": w.ts, "owner": "uploader", "creator_id": 5,
                "parent_id": 0, "sample": 0, "preview_height": 96, "preview_width": 96,
                "tags": " " + " ".join(sorted(w.tags + [w.artist])) + " ", "title": "", "has_notes": "false",
                "has_comments": "false", "file_url": self.file_url(w), "preview_url": self.file_url(w),
                "sample_url": "", "sample_height": 0, "sample_width": 0, "status": "active", "post_locked": 0,
                "has_children": "false"}

    def expected(self, w: Work, query: str) -> dict:
        # The API names no artist (only the uploader, 'owner'); the artist is one of the tags.
        return {"site": "gelbooru", "page": f"https://gelbooru.com/index.php?page=post&s=view&id={w.id}",
                "url": self.file_url(w), "artist": None, "title": None, "tags": sorted(w.tags + [w.artist]),
                "licence": None, "posted": w.posted_iso, "query": query, "rating": "general"}

    def api(self, req: Request) -> Reply:
        key = req.host + req.path
        if key != "gelbooru.com/index.php" or req.arg("page") != "dapi":
            return Reply(404, b"", "text/html")
        if (req.arg("api_key"), req.arg("user_id")) != (API_KEY, USER_ID):
            return Reply(401, b"", "text/html")
        terms = (req.arg("tags") or "").split()
        below = next((int(t[4:]) for t in terms if t.startswith("id:<")), None)
        tags = [t for t in terms if not t.startswith("id:")]
        posts = [self.post(w) for w in self.works] + self.filler
        hits = sorted((p for p in posts if all(t in p["tags"].split() for t in tags)), key=lambda p: -p["id"])
        if below is not None:
            hits = [p for p in hits if p["id"] < below]
        limit = min(int(req.arg("limit") or 100), self.per_page)
        chunk = hits[:limit]
        return Reply.of_json({"@attributes": {"limit": limit, "offset": 0, "count": len(hits)}, "post": chunk})
