"""Wikimedia Commons categories: freely licensed files with author and licence on every one."""

from __future__ import annotations

import re
from typing import Any

from curator.collect.sources import register
from curator.collect.sources.base import Source, qpath

_TAG = re.compile(r"<[^>]+>")


def _ext(meta: dict[str, Any], key: str) -> str | None:
    value = ((meta.get("extmetadata") or {}).get(key) or {}).get("value")
    return _TAG.sub("", str(value)).strip() or None if value else None


@register
class WikimediaCommons(Source):
    name = "wikimedia"
    category = "wikimediacommons"
    home = "https://commons.wikimedia.org"
    post_key = "{sha1}"
    tags_field = None  # categories, not tags; the subject's query is the category
    size_fields = ("width", "height")

    def query_urls(self, query: str) -> list[str]:
        # A category's name, with or without its namespace ('Category:Elves in art' or 'Elves in art').
        name = query.strip()
        if name.lower().startswith("category:"):
            name = name[len("category:"):]
        return [f"{self.root}/wiki/Category:{qpath(name)}"]

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return meta.get("descriptionurl") or None

    def artist(self, meta: dict[str, Any]) -> str | None:
        return _ext(meta, "Artist") or meta.get("user")

    def title(self, meta: dict[str, Any]) -> str | None:
        # 'title' is the file page's ('File:Name.jpg'); ObjectName is the work's own name.
        return _ext(meta, "ObjectName") or meta.get("filename") or None

    def tags(self, meta: dict[str, Any]) -> list[str]:
        # The file's categories, '|'-separated in extmetadata.
        return [c for c in (_ext(meta, "Categories") or "").split("|") if c]

    def licence(self, meta: dict[str, Any]) -> str | None:
        return _ext(meta, "LicenseShortName")

    def extra(self, meta: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in {"sha1": meta.get("sha1"), "licence_url": _ext(meta, "LicenseUrl")}.items() if v}
