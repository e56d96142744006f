"""Pixiv: refresh-token login on oauth.secure.pixiv.net, the app API's `/v1/search/illust`
(`next_url` paging); files on i.pximg.net (a Referer is required there)."""

from __future__ import annotations

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work

REFRESH_TOKEN = "fake-refresh-token"


class Pixiv(FakeSite):
    name = "pixiv"
    hosts = ("oauth.secure.pixiv.net", "app-api.pixiv.net", "i.pximg.net")
    api_key = "app-api.pixiv.net/v1/search/illust"

    def __init__(self, works: list[Work], per_page: int = 2) -> None:
        super().__init__(works, per_page)
        self.refused = False  # True: the token endpoint turns every refresh token down

    def _path(self, w: Work) -> str:
        t = w.posted
        return f"/img-original/img/{t:%Y/%m/%d}/{t.hour + 9:02d}/{t:%M/%S}/{w.id}_p0.png"

    def file_url(self, w: Work) -> str:
        return "https://i.pximg.net" + self._path(w)

    def illust(self, w: Work) -> dict:
        return {
            "id": w.id, "title": w.title, "type": "illust", "caption": "", "restrict": 0,
            "image_urls": {"square_medium": "", "medium": "", "large": ""},
            "user": {"id": 70 + w.id % 3, "name": w.artist.title(), "account": w.artist, "is_followed": False,
                     "profile_image_urls": {"medium": ""}},
            "tags": [{"name": self.TAGS.get(t, t), "translated_name": t if t in self.TAGS else None} for t in w.tags],
            "tools": [],
            "create_date": w.posted.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "page_count": 1, "width": w.size,
            "height": w.size, "sanity_level": 2, "x_restrict": 1 if w.mature else 0, "series": None,
            "meta_single_page": {"original_image_url": self.file_url(w)}, "meta_pages": [], "total_view": 5,
            "total_bookmarks": 1, "is_bookmarked": False, "visible": True, "is_muted": False, "illust_ai_type": 1,
            "illust_book_style": 0,
        }

    def expected(self, w: Work, query: str) -> dict:
        return {"site": "pixiv", "page": f"https://www.pixiv.net/artworks/{w.id}", "url": self.file_url(w),
                "artist": w.artist, "title": w.title, "tags": [self.TAGS.get(t, t) for t in w.tags], "licence": None,
                "posted": w.posted_iso,
                "query": query, "rating": "general"}

    TAGS = {"elf": "エルフ", "mascot": "マスコット"}  # Pixiv's own (Japanese) tags for the works' tags

    def query(self, tag: str) -> str:
        return self.TAGS[tag]

    def handle(self, req: Request) -> Reply:
        key = req.host + req.path
        if key in self.files:
            if "pixiv.net" not in req.headers.get("referer", ""):
                return Reply(403, b"", "text/html")  # i.pximg.net refuses hotlinks
            return Reply(200, self.files[key].image, "image/png")
        if key == "oauth.secure.pixiv.net/auth/token":
            form = dict(pair.split("=", 1) for pair in req.body.decode().split("&"))
            if self.refused or form.get("refresh_token") != REFRESH_TOKEN:
                return Reply.of_json({"has_error": True, "errors": {"system": {"message": "invalid_grant"}}}, 400)
            return Reply.of_json({"response": {"access_token": "access", "refresh_token": REFRESH_TOKEN,
                                               "user": {"id": "1", "name": "me", "account": "me"}}})
        if req.headers.get("authorization") != "Bearer access":
            return Reply.of_json({"error": {"message": "Error occurred at the OAuth process."}}, 400)
        if key == "app-api.pixiv.net/v1/search/illust":
            hits = [w for w in self.works if req.arg("word") in [self.TAGS.get(t, t) for t in w.tags]]
            offset = int(req.arg("offset") or 0)
            chunk = hits[offset:offset + self.per_page]
            nxt = None
            if offset + self.per_page < len(hits):
                nxt = (f"https://app-api.pixiv.net/v1/search/illust?word={req.arg('word')}"
                       f"&search_target=exact_match_for_tags&sort=date_desc&offset={offset + self.per_page}")
            return Reply.of_json({"illusts": [self.illust(w) for w in chunk], "next_url": nxt,
                                  "search_span_limit": 31536000})
        return Reply.of_json({"error": {"message": "not found"}}, 404)
