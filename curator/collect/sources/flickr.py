"""Flickr searches, with each photo's licence (gallery-dl's public API key; no login needed)."""

from __future__ import annotations

from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Source

# Flickr's licence ids (flickr.photos.licenses.getInfo). Ids 1-6 are the Creative Commons 2.0
# licences; gallery-dl's own names ('Attribution License') leave the version out.
LICENCES = {
    "0": "All Rights Reserved", "1": "CC BY-NC-SA 2.0", "2": "CC BY-NC 2.0", "3": "CC BY-NC-ND 2.0",
    "4": "CC BY 2.0", "5": "CC BY-SA 2.0", "6": "CC BY-ND 2.0", "7": "No known copyright restrictions",
    "8": "United States Government Work", "9": "CC0 1.0", "10": "Public Domain Mark 1.0",
}


@register
class Flickr(Source):
    name = "flickr"
    category = "flickr"
    home = "https://www.flickr.com"
    search = "/search/?text={q}"
    size_fields = ("width", "height")
    # Search results carry the licence id only when 'license' is among the requested extras.
    gallery_dl_options = {"metadata": ["license"]}

    def page_url(self, meta: dict[str, Any]) -> str | None:
        owner = (meta.get("owner") or {}).get("nsid")
        return f"{self.root}/photos/{owner}/{meta['id']}" if owner and meta.get("id") else None

    def artist(self, meta: dict[str, Any]) -> str | None:
        owner = meta.get("owner") or {}
        return owner.get("username") or owner.get("nsid")

    def licence(self, meta: dict[str, Any]) -> str | None:
        lid = meta.get("license")
        if lid is None or lid == "":
            return None
        return LICENCES.get(str(lid)) or meta.get("license_name") or f"Flickr licence {lid}"

    def extra(self, meta: dict[str, Any]) -> dict[str, Any]:
        out = super().extra(meta)
        if meta.get("license") not in (None, ""):
            out["licence_id"] = str(meta["license"])
        return out
