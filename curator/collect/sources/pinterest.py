"""Pinterest pin searches: needs a logged-in browser's cookies."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Login, Source


@register
class Pinterest(Source):
    name = "pinterest"
    category = "pinterest"
    home = "https://www.pinterest.com"
    search = "/search/pins/?q={q}"
    login = Login(("cookies",), cookies=True,
                  how="export your pinterest.com cookies to cookies.txt and set [collect.sites.pinterest] cookies = PATH")
    tags_field = None  # pins carry no tags
    post_key = "{id}_{num}"  # story and carousel pins hold several files
    size_fields = ("width", "height")

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return f"{self.root}/pin/{meta['id']}/" if meta.get("id") else None

    def title(self, meta: dict[str, Any]) -> str | None:
        return meta.get("title") or meta.get("grid_title") or None

    def artist(self, meta: dict[str, Any]) -> str | None:
        # The pinner only saved the image; a pin names its maker only when it was made on Pinterest.
        creator = meta.get("native_creator")
        return creator.get("username") if isinstance(creator, dict) else None

    def posted(self, meta: dict[str, Any]) -> str | None:
        # gallery-dl passes Pinterest's RFC 2822 'created_at' through without a 'date'.
        try:
            return parsedate_to_datetime(meta["created_at"]).isoformat()
        except (KeyError, TypeError, ValueError):
            return None

    def extra(self, meta: dict[str, Any]) -> dict[str, Any]:
        out = super().extra(meta)
        pinner = meta.get("pinner")
        if isinstance(pinner, dict) and pinner.get("username"):
            out["pinner"] = pinner["username"]
        if meta.get("link"):
            out["source"] = meta["link"]
        return out
