"""DeviantArt tag pages and searches (gallery-dl's public API client; no login needed)."""

from __future__ import annotations

from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Source, q, qpath


@register
class DeviantArt(Source):
    name = "deviantart"
    category = "deviantart"
    home = "https://www.deviantart.com"
    # DeviantArt has no rating scale, only a mature flag.
    ratings = {"general": (False, None), "questionable": (True,)}
    rating_field = "is_mature"
    size_fields = ("content.width", "content.height")  # the image's size, known before download
    post_key = "{deviationid}"  # deviations have no 'id'; '{id}' made every file one archive entry
    # The browse API gives neither licence nor tags; gallery-dl's 'metadata' option adds one
    # /deviation/metadata call per page of 50 results that does.
    gallery_dl_options = {"metadata": True}

    def query_urls(self, query: str) -> list[str]:
        if " " in query.strip():
            return [f"{self.root}/search?q={q(query)}"]
        return [f"{self.root}/tag/{qpath(query)}"]

    def artist(self, meta: dict[str, Any]) -> str | None:
        author = meta.get("author")
        return author.get("username") if isinstance(author, dict) else meta.get("username")

    def extra(self, meta: dict[str, Any]) -> dict[str, Any]:
        return {k: meta[k] for k in ("deviationid", "index") if meta.get(k) not in (None, "")}

    def licence(self, meta: dict[str, Any]) -> str | None:
        # e.g. "No License" or "Creative Commons Attribution-Noncommercial 3.0 License", as DeviantArt words it.
        return meta.get("license") or None
