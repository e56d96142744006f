"""ArtStation project searches (no login needed)."""

from __future__ import annotations

import re
from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Source

# gallery-dl adds a random 'abcd=0123456789ab' parameter to every file URL to miss Cloudflare's cache.
_NO_CACHE = re.compile(r"[?&][0-9a-f]{4}=[0-9a-f]{12}$")


@register
class ArtStation(Source):
    name = "artstation"
    category = "artstation"
    home = "https://www.artstation.com"
    search = "/search?sort_by=relevance&query={q}"
    post_key = "{asset[id]}"  # a project holds several images
    ratings = {"general": (False, None), "questionable": (True,)}
    rating_field = "adult_content"
    size_fields = ("asset.width", "asset.height")  # per image, inside the project

    def file_url(self, meta: dict[str, Any]) -> str | None:
        url = super().file_url(meta)
        return _NO_CACHE.sub("", url) if url else url

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return meta.get("permalink") or super().page_url(meta)

    def artist(self, meta: dict[str, Any]) -> str | None:
        user = meta.get("user")
        return user.get("username") if isinstance(user, dict) else None
