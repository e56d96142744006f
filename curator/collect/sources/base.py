"""What every collection source knows: its gallery-dl URLs, login needs, filters and provenance.

A source is a small class registered under its name with `@register`. It never downloads or
logs in itself: gallery-dl does that. It only turns a query into gallery-dl URLs, describes its
metadata fields so curator can build gallery-dl filters, and maps metadata to `Provenance`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

from curator.collect.config import FilterConfig
from manifests import Provenance

# Normalised rating -> the values a site uses for it; sites override `ratings`.
RatingMap = dict[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Login:
    """What makes a source usable: any of these keys in gallery-dl's config for the category, or cookies."""

    config_keys: tuple[str, ...]
    cookies: bool
    how: str  # one line telling the user how to provide it


class Source:
    name: ClassVar[str]
    category: ClassVar[str]  # gallery-dl's extractor category: its config section
    home: ClassVar[str]  # public root, e.g. https://danbooru.donmai.us
    search: ClassVar[str] = ""  # a query's URL below the root: {q} is the query URL-encoded, {qpath} a path segment
    login: ClassVar[Login | None] = None  # None: works without credentials (on by default)
    instance_prefix: ClassVar[str | None] = None  # gallery-dl's 'Danbooru:' form for self-hosted roots
    post_key: ClassVar[str] = "{id}"  # identifies one file across queries, for the download archive
    ratings: ClassVar[RatingMap | None] = None  # None: the site has no rating field we can filter on
    rating_field: ClassVar[str] = "rating"
    tags_field: ClassVar[str | None] = "tags"
    size_fields: ClassVar[tuple[str, str] | None] = None  # width/height fields known before download
    extra_fields: ClassVar[dict[str, str]] = {}  # provenance `extra` name -> metadata field, kept when not empty
    # gallery-dl options this source needs for its provenance (e.g. the extra API call that gives a
    # licence); [collect.sites.NAME] options override them.
    gallery_dl_options: ClassVar[dict[str, Any]] = {}

    def __init__(self, root: str | None = None) -> None:
        self.root = (root or self.home).rstrip("/")
        self.self_hosted = root is not None and root.rstrip("/") != self.home

    # --- URLs -----------------------------------------------------------------------------
    def urls(self, query: str) -> list[str]:
        """gallery-dl URLs for one query; self-hosted roots get the extractor's prefix form."""
        urls = self.query_urls(query)
        if self.self_hosted and self.instance_prefix:
            urls = [f"{self.instance_prefix}:{u}" for u in urls]
        return urls

    def query_urls(self, query: str) -> list[str]:
        return [self.root + self.search.format(q=q(query), qpath=qpath(query))]

    # --- filters ----------------------------------------------------------------------------
    def filter_expression(self, f: FilterConfig) -> str:
        """A gallery-dl `image-filter` so unwanted files are never downloaded.

        Optional fields are read with `locals().get` because a missing key would abort the
        whole extraction instead of skipping one file.
        """
        parts = [f"str(locals().get('extension') or '').lower() in {tuple(t.lower() for t in f.file_types)!r}"]
        if self.ratings is not None:
            allowed = tuple(v for r in f.ratings for v in self.ratings.get(r, ()))
            parts.append(f"locals().get({self.rating_field!r}) in {allowed!r}")
        if self.tags_field and f.exclude_tags:
            # Tags come as a list or a space-separated string depending on the site.
            tags = f"(lambda v: set(v.split() if isinstance(v, str) else v or ()))(locals().get({self.tags_field!r}))"
            excluded = "{" + ", ".join(repr(t) for t in sorted(set(f.exclude_tags))) + "}"
            parts.append(f"not {excluded} & {tags}")
        if self.size_fields and f.min_size:
            w, h = (self._field_expr(name) for name in self.size_fields)
            parts.append(f"({w} or {f.min_size}) >= {f.min_size} and ({h} or {f.min_size}) >= {f.min_size}")
        return " and ".join(f"({p})" for p in parts)

    @staticmethod
    def _field_expr(name: str) -> str:
        """'width' or a nested 'asset.width', read so that a missing field is None, not an error."""
        head, *rest = name.split(".")
        expr = f"locals().get({head!r})"
        for key in rest:
            expr = f"(({expr}) or {{}}).get({key!r})"
        return expr

    # --- provenance ---------------------------------------------------------------------------
    def provenance(self, meta: dict[str, Any], query: str, fetched: str) -> Provenance:
        return Provenance(
            url=self.file_url(meta), page=self.page_url(meta), site=self.name,
            query=query, artist=self.artist(meta), title=self.title(meta), licence=self.licence(meta),
            rating=self.rating(meta), tags=self.tags(meta), posted=self.posted(meta), fetched=fetched,
            opt_out=self.opt_out(meta), extra=self.extra(meta),
        )

    def file_url(self, meta: dict[str, Any]) -> str | None:
        return meta.get("curator_url") or meta.get("file_url")

    def page_url(self, meta: dict[str, Any]) -> str | None:
        return meta.get("url") if isinstance(meta.get("url"), str) else None

    def title(self, meta: dict[str, Any]) -> str | None:
        return meta.get("title") or None

    def tags(self, meta: dict[str, Any]) -> list[str]:
        return list_tags(meta.get(self.tags_field) if self.tags_field else None)

    def posted(self, meta: dict[str, Any]) -> str | None:
        return _iso_utc(meta.get("date"))

    def artist(self, meta: dict[str, Any]) -> str | None:
        return None

    def licence(self, meta: dict[str, Any]) -> str | None:
        return None

    def rating(self, meta: dict[str, Any]) -> str | None:
        if self.ratings is None:
            return None
        value = meta.get(self.rating_field)
        return next((name for name, values in self.ratings.items() if value in values), None)

    def extra(self, meta: dict[str, Any]) -> dict[str, Any]:
        out = {k: meta[k] for k in ("id", "source", "md5") if meta.get(k) not in (None, "")}
        return out | {name: meta[key] for name, key in self.extra_fields.items() if meta.get(key)}

    def opt_out(self, meta: dict[str, Any]) -> list[str]:
        """Opt-out signals: the file response's X-Robots-Tag, plus what the site flags (subclasses)."""
        robots = str((meta.get("curator_headers") or {}).get("x-robots-tag", ""))
        return [f"X-Robots-Tag: {robots}"] if any(w in robots.lower() for w in ("noai", "noimageai")) else []


def _iso_utc(value: Any) -> str | None:
    """gallery-dl writes dates as naive UTC 'YYYY-MM-DD HH:MM:SS'; manifests use ISO 8601 with a zone."""
    if not value:
        return None
    text = str(value)
    return text.replace(" ", "T") + "+00:00" if len(text) == 19 and text[10] == " " else text


def list_tags(value: Any) -> list[str]:
    """Tags as a list whether the site gives a list, a space-separated string or a list of dicts."""
    if not value:
        return []
    if isinstance(value, str):
        return value.split()
    return [t.get("name") or t.get("title") or "" if isinstance(t, dict) else str(t) for t in value]


def q(text: str) -> str:
    return quote_plus(text)


def qpath(text: str) -> str:
    return quote(text.replace(" ", "_"), safe="")
