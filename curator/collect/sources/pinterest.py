"""Pinterest pin searches: needs a logged-in browser's cookies."""

from __future__ import annotations

from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Login, Source, q


@register
class Pinterest(Source):
    name = "pinterest"
    category = "pinterest"
    home = "https://www.pinterest.com"
    login = Login(("cookies",), cookies=True,
                  how="export your pinterest.com cookies to cookies.txt and set [collect.sites.pinterest] cookies = PATH")

    def query_urls(self, query: str) -> list[str]:
        return [f"{self.root}/search/pins/?q={q(query)}"]

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return f"{self.root}/pin/{meta['id']}/" if meta.get("id") else None

    def artist(self, meta: dict[str, Any]) -> str | None:
        pinner = meta.get("pinner")
        return pinner.get("username") if isinstance(pinner, dict) else None
