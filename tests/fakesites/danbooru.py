"""danbooru.donmai.us: `/posts.json?tags=&page=&limit=` (numbered pages), files on cdn.donmai.us."""

from __future__ import annotations

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work, search

RATING = {False: "g", True: "e"}


class Danbooru(FakeSite):
    name = "danbooru"
    hosts = ("danbooru.donmai.us", "cdn.donmai.us")
    api_key = "danbooru.donmai.us/posts.json"
    cdn = "https://cdn.donmai.us"  # where the files are (FakeBooru serves them itself)

    def __init__(self, works: list[Work], per_page: int = 2) -> None:
        super().__init__(sorted(works, key=lambda w: -w.id), per_page)

    def file_url(self, w: Work) -> str:
        return self.cdn + file_path(w)

    def post(self, w: Work) -> dict:
        return {
            "id": w.id, "created_at": w.posted.isoformat(timespec="milliseconds"),
            "rating": RATING[w.mature], "md5": w.md5, "file_ext": "png", "file_size": len(w.image),
            "image_width": w.size, "image_height": w.size, "score": 3, "source": f"https://example.org/{w.id}",
            "file_url": self.file_url(w), "large_file_url": self.file_url(w),
            "tag_string": " ".join(sorted(w.tags + [w.artist])), "tag_string_artist": w.artist,
            "tag_string_general": " ".join(w.tags), "tag_string_character": "", "tag_string_copyright": "original",
            "tag_string_meta": "",
        }

    def expected(self, w: Work, query: str) -> dict:
        return {"site": "danbooru", "page": f"https://danbooru.donmai.us/posts/{w.id}", "url": self.file_url(w),
                "artist": w.artist, "title": None, "tags": sorted(w.tags + [w.artist]), "licence": None,
                "posted": w.posted_iso, "query": query, "rating": "general"}

    def api(self, req: Request) -> Reply:
        if req.path != "/posts.json":
            return Reply(404, b"{}")
        tags = [t for t in (req.arg("tags") or "").split() if not t.startswith("order:")]
        hits = [w for w in self.works if all(t in w.tags for t in tags)]
        limit = min(int(req.arg("limit") or 20), self.per_page)
        page = req.arg("page") or "1"
        if page.startswith("b"):  # the cursor form: posts below an id
            chunk = [w for w in hits if w.id < int(page[1:])][:limit]
        else:
            chunk = hits[(int(page) - 1) * limit:int(page) * limit]
        return Reply.of_json([self.post(w) for w in chunk])


def file_path(w: Work) -> str:
    return f"/original/{w.md5[:2]}/{w.md5[2:4]}/{w.md5}.png"


class Safebooru(Danbooru):
    """safebooru.donmai.us: Danbooru's software and files, general-rated posts only."""

    name = "safebooru"
    hosts = ("safebooru.donmai.us", "cdn.donmai.us")
    api_key = "safebooru.donmai.us/posts.json"

    def expected(self, w: Work, query: str) -> dict:
        return {**super().expected(w, query), "site": "safebooru", "page": f"https://safebooru.donmai.us/posts/{w.id}"}
