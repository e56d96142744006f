"""Pixiv tag searches: needs a refresh token in gallery-dl's config."""

from __future__ import annotations

from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Login, Source


@register
class Pixiv(Source):
    name = "pixiv"
    category = "pixiv"
    home = "https://www.pixiv.net"
    search = "/en/tags/{qpath}/artworks"
    login = Login(("refresh-token",), cookies=False,
                  how="run 'gallery-dl oauth:pixiv' and put the token in gallery-dl's config (extractor.pixiv.refresh-token)")
    post_key = "{id}_{num}"  # one work may hold several pages
    ratings = {"general": ("General",), "questionable": ("R-18",), "explicit": ("R-18G",)}
    size_fields = ("width", "height")

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return f"{self.root}/artworks/{meta['id']}" if meta.get("id") else None

    def artist(self, meta: dict[str, Any]) -> str | None:
        user = meta.get("user")
        return user.get("account") or user.get("name") if isinstance(user, dict) else None
