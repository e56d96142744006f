"""www.artstation.com: CSRF token, `POST /api/v2/search/projects.json` (page numbers and total_count),
`/projects/HASH.json` per project; files on cdna.artstation.com (gallery-dl asks for the 8k size)."""

from __future__ import annotations

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work

CDN = "cdna.artstation.com"


class ArtStation(FakeSite):
    name = "artstation"
    hosts = ("www.artstation.com", CDN)
    api_key = "www.artstation.com/api/v2/search/projects.json"

    def __init__(self, works: list[Work], per_page: int = 2) -> None:
        super().__init__(works, per_page)
        self.by_hash = {self.hash(w): w for w in works}

    @staticmethod
    def hash(w: Work) -> str:
        return f"aB{w.id}x"

    def _path(self, w: Work, size: str) -> str:
        return f"/p/assets/images/images/000/{w.id // 1000:03d}/{w.id % 1000:03d}/{size}/{w.artist}-elf.png"

    def file_url(self, w: Work) -> str:
        return f"https://{CDN}{self._path(w, '8k')}?1704450600"

    def project(self, w: Work) -> dict:
        return {
            "id": w.id, "hash_id": self.hash(w), "title": w.title, "description": "<p>An elf.</p>",
            "created_at": w.posted.strftime("%Y-%m-%dT%H:%M:%S.000+00:00"), "adult_content": w.mature,
            "permalink": f"https://www.artstation.com/artwork/{self.hash(w)}", "tags": w.tags,
            "user": {"id": 9, "username": w.artist, "full_name": w.artist.title()},
            "categories": [{"id": 1, "name": "Fantasy"}], "mediums": [{"id": 1, "name": "Digital 2D"}],
            "assets": [{"id": w.id * 10, "asset_type": "image", "has_image": True, "has_embedded_player": False,
                        "player_embedded": None, "title": None,
                        "image_url": f"https://{CDN}{self._path(w, 'large')}?1704450600",
                        "width": w.size, "height": w.size, "position": 0}],
        }

    def expected(self, w: Work, query: str) -> dict:
        return {"site": "artstation", "page": f"https://www.artstation.com/artwork/{self.hash(w)}",
                "url": self.file_url(w), "artist": w.artist, "title": w.title, "tags": w.tags, "licence": None,
                "posted": w.posted_iso, "query": query, "rating": "general"}

    def api(self, req: Request) -> Reply:
        if req.path == "/api/v2/csrf_protection/token.json" and req.method == "POST":
            return Reply.of_json({"public_csrf_token": "csrf123"})
        if req.path == "/api/v2/search/projects.json" and req.method == "POST":
            if req.headers.get("public-csrf-token") != "csrf123":
                return Reply.of_json({"error": "bad csrf"}, 403)
            body = req.json()
            hits = [w for w in self.works if body["query"] in w.tags]
            start = (body["page"] - 1) * self.per_page
            chunk = hits[start:start + self.per_page]
            return Reply.of_json({"data": [{"id": w.id, "hash_id": self.hash(w), "title": w.title} for w in chunk],
                                  "total_count": len(hits)})
        if req.path.startswith("/projects/") and req.path.endswith(".json"):
            w = self.by_hash.get(req.path[len("/projects/"):-5])
            return Reply.of_json(self.project(w)) if w else Reply.of_json({}, 404)
        return Reply.of_json({}, 404)
