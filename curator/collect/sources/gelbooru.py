"""Gelbooru: its API wants an API key and user id (set in gallery-dl's config)."""

from __future__ import annotations

from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Login, Source, list_tags


@register
class Gelbooru(Source):
    name = "gelbooru"
    category = "gelbooru"
    home = "https://gelbooru.com"
    search = "/index.php?page=post&s=list&tags={q}"
    login = Login(("api-key", "user-id"), cookies=False,
                  how="put your API key and user id (gelbooru.com account options) in gallery-dl's config under extractor.gelbooru")
    ratings = {"general": ("general", "safe"), "sensitive": ("sensitive",), "questionable": ("questionable",),
               "explicit": ("explicit",)}
    size_fields = ("width", "height")
    extra_fields = {"uploader": "owner"}

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return f"{self.root}/index.php?page=post&s=view&id={meta['id']}" if meta.get("id") is not None else None

    def artist(self, meta: dict[str, Any]) -> str | None:
        # The API names only the uploader ('owner'). gallery-dl's 'tags' option fetches each post's
        # page for typed tags, giving 'tags_artist' as a space-separated string (one request more per post).
        return " ".join(list_tags(meta.get("tags_artist"))) or None
