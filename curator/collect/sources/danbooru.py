"""Danbooru and its safe-only mirror Safebooru; any self-hosted Danbooru through `url`."""

from __future__ import annotations

from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Source

DANBOORU_RATINGS = {"general": ("g",), "sensitive": ("s",), "questionable": ("q",), "explicit": ("e",)}


@register
class Danbooru(Source):
    name = "danbooru"
    category = "danbooru"
    home = "https://danbooru.donmai.us"
    search = "/posts?tags={q}"
    instance_prefix = "Danbooru"
    ratings = DANBOORU_RATINGS
    size_fields = ("image_width", "image_height")
    extra_fields = {"copyright": "tag_string_copyright"}

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return f"{self.root}/posts/{meta['id']}" if meta.get("id") is not None else None

    def artist(self, meta: dict[str, Any]) -> str | None:
        return meta.get("tag_string_artist") or None


@register
class Safebooru(Danbooru):
    """Danbooru's general-rated subset on its own host: safe by construction."""

    name = "safebooru"
    home = "https://safebooru.donmai.us"
