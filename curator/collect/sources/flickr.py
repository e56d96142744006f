"""Flickr searches, with each photo's licence (gallery-dl's public API key; no login needed)."""

from __future__ import annotations

from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Source, q


@register
class Flickr(Source):
    name = "flickr"
    category = "flickr"
    home = "https://www.flickr.com"
    size_fields = ("width", "height")

    def query_urls(self, query: str) -> list[str]:
        return [f"{self.root}/search/?text={q(query)}"]

    def page_url(self, meta: dict[str, Any]) -> str | None:
        owner = (meta.get("owner") or {}).get("nsid")
        return f"{self.root}/photos/{owner}/{meta['id']}" if owner and meta.get("id") else None

    def artist(self, meta: dict[str, Any]) -> str | None:
        owner = meta.get("owner") or {}
        return owner.get("username") or owner.get("nsid")

    def licence(self, meta: dict[str, Any]) -> str | None:
        return meta.get("license_name") or (f"flickr-license-{meta['license']}" if meta.get("license") else None)
