"""commons.wikimedia.org: the MediaWiki query API over a category's files, files on upload.wikimedia.org."""

from __future__ import annotations

from fakesites.proxy import Reply, Request
from fakesites.site import FakeSite
from fakesites.works import Work

LICENCES = ["CC BY-SA 4.0", "CC0", "Public domain", "CC BY 2.0", "CC BY-SA 3.0"]


class Wikimedia(FakeSite):
    name = "wikimedia"
    hosts = ("commons.wikimedia.org", "upload.wikimedia.org")
    api_key = "commons.wikimedia.org/w/api.php"

    def __init__(self, works: list[Work], per_page: int = 2) -> None:
        super().__init__(works, per_page)
        # Category names as the API spells them: namespace first, then the name with spaces.
        self.categories = {"Category:Elves in art": "elf", "Category:Mascots": "mascot"}

    @staticmethod
    def filename(w: Work) -> str:
        return f"{w.title.replace(' ', '_')}.png"

    def _path(self, w: Work) -> str:
        return f"/wikipedia/commons/{w.md5[0]}/{w.md5[:2]}/{self.filename(w)}"

    def file_url(self, w: Work) -> str:
        return "https://upload.wikimedia.org" + self._path(w)

    def licence(self, w: Work) -> str:
        return LICENCES[w.id % len(LICENCES)]

    def page(self, w: Work) -> dict:
        title = f"File:{w.title}.png"
        return {
            "pageid": w.id, "ns": 6, "title": title, "imagerepository": "local",
            "imageinfo": [{
                "timestamp": w.posted.strftime("%Y-%m-%dT%H:%M:%SZ"), "user": "Uploader", "userid": 7,
                "comment": "upload", "canonicaltitle": title, "url": self.file_url(w),
                "descriptionurl": f"https://commons.wikimedia.org/wiki/File:{self.filename(w)}",
                "descriptionshorturl": f"https://commons.wikimedia.org/w/index.php?curid={w.id}",
                "size": len(w.image), "width": w.size, "height": w.size, "sha1": w.sha1, "mime": "image/png",
                "bitdepth": 8, "metadata": [{"name": "width", "value": w.size}], "commonmetadata": [],
                "extmetadata": {
                    "ObjectName": {"value": w.title, "source": "commons-desc-page"},
                    "Artist": {"value": f'<a href="//commons.wikimedia.org/wiki/User:{w.artist}" title="User:{w.artist}">'
                                        f"{w.artist}</a>", "source": "commons-desc-page"},
                    "LicenseShortName": {"value": self.licence(w), "source": "commons-desc-page"},
                    "LicenseUrl": {"value": "https://creativecommons.org/licenses/by-sa/4.0", "source": "commons-desc-page"},
                    "Categories": {"value": "|".join(t.capitalize() for t in w.tags), "source": "commons-categories"},
                    "DateTimeOriginal": {"value": "2020-05-01", "source": "commons-desc-page"},
                },
            }],
        }

    def expected(self, w: Work, query: str) -> dict:
        return {"site": "wikimedia", "page": f"https://commons.wikimedia.org/wiki/File:{self.filename(w)}",
                "url": self.file_url(w), "artist": w.artist, "title": w.title,
                "tags": [t.capitalize() for t in w.tags], "licence": self.licence(w), "posted": w.posted_iso,
                "query": query, "rating": None}

    def query(self, tag: str) -> str:
        return {"elf": "Elves in art", "mascot": "Category:Mascots"}[tag]

    def api(self, req: Request) -> Reply:
        if req.path != "/w/api.php" or req.arg("action") != "query":
            return Reply(404, b"{}")
        if req.arg("gcmtype") == "subcat":
            return Reply.of_json({"batchcomplete": ""})
        # MediaWiki reads '_' in a title as a space; the namespace must be spelled out.
        tag = self.categories.get((req.arg("gcmtitle") or "").replace("_", " "))
        if tag is None:  # the API answers an unknown category with no pages, not an error
            return Reply.of_json({"batchcomplete": ""})
        hits = [w for w in self.works if tag in w.tags]
        start = int(req.arg("gcmcontinue") or 0)
        chunk = hits[start:start + self.per_page]
        data: dict = {"query": {"pages": {str(w.id): self.page(w) for w in chunk}}}
        if start + self.per_page < len(hits):
            data["continue"] = {"gcmcontinue": str(start + self.per_page), "continue": "gcmcontinue||"}
        else:
            data["batchcomplete"] = ""
        return Reply.of_json(data)
