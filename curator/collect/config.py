"""The `[collect]` section of curator.toml: politeness, filters, sites and subject presets."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from curator.section import Section

RATINGS = ("general", "sensitive", "questionable", "explicit")


class SubjectPreset(Section):
    queries: list[str] = Field(default_factory=list, description="Search words for sites that take free text.")
    tags: dict[str, list[str]] = Field(
        default_factory=dict, description="Per source name: its own tags or categories, used instead of `queries`.")

    def queries_for(self, source: str) -> list[str]:
        return self.tags.get(source) or self.queries


class SiteConfig(Section):
    enabled: bool | None = Field(None, description="Use this source (default: on when it needs no login).")
    url: str | None = Field(None, description="Root of a self-hosted instance, e.g. http://127.0.0.1:8080.")
    request_interval: float | None = Field(None, description="Seconds between API requests (default: the global one).")
    cookies: str | None = Field(None, description="Netscape cookies.txt file for sites that need a login.")
    options: dict[str, Any] = Field(default_factory=dict, description="Extra gallery-dl extractor options for this site.")


class FilterConfig(Section):
    ratings: list[str] = Field(["general"], description=f"Content ratings to download, from {', '.join(RATINGS)}.")
    min_size: int = Field(256, description="Smallest width and height in pixels; smaller files are not kept.")
    file_types: list[str] = Field(["jpg", "jpeg", "png", "webp"], description="File extensions to download.")
    exclude_tags: list[str] = Field(
        ["3d", "photo", "photo_(medium)", "comic", "4koma", "text", "text_only_page"],
        description="Posts with any of these tags are not downloaded.")
    honour_opt_out: bool = Field(True, description="Discard files whose site or server says no AI use (recorded, bytes not kept).")


def _default_subjects() -> dict[str, SubjectPreset]:
    # Each site's own spelling (docs/collect-sources.md says how to look them up): booru tags use
    # '_' for spaces (a space would AND two tags); Commons takes a category's name without its
    # 'Category:' namespace; DeviantArt tags are one word of letters, digits and '_' (a query with
    # a space becomes a site search, several requests per result); Pixiv's tags are Japanese.
    return {
        "elf": SubjectPreset(queries=["elf"], tags={
            "danbooru": ["elf"], "safebooru": ["elf"], "gelbooru": ["elf"], "wikimedia": ["Elves in art"],
            "deviantart": ["elf"], "pixiv": ["エルフ"]}),
        "mascot": SubjectPreset(queries=["mascot character"], tags={
            "danbooru": ["mascot"], "safebooru": ["mascot"], "gelbooru": ["mascot"], "wikimedia": ["Mascots"],
            "deviantart": ["mascot"], "pixiv": ["マスコット"]}),
        "yuru-chara": SubjectPreset(queries=["yuru-chara", "ゆるキャラ"], tags={
            "danbooru": ["yuru-chara"], "safebooru": ["yuru-chara"], "gelbooru": ["yuru-chara"],
            "wikimedia": ["Yuru-chara"], "deviantart": ["yuruchara"], "pixiv": ["ゆるキャラ"]}),
    }


class CollectConfig(Section):
    request_interval: float | None = Field(
        None, description="Seconds between API requests to one site; unset means gallery-dl's per-site default.")
    retries: int = Field(4, description="Retries for a failed request or download (429, 5xx, timeouts).")
    retry_backoff: float = Field(1.0, description="First wait before a retry in seconds; doubles on each retry.")
    backoff_429: float = Field(30.0, description="First wait after '429 Too Many Requests' in seconds; doubles on each retry.")
    timeout: float = Field(30.0, description="Seconds before a silent connection is abandoned.")
    parallel_sources: int = Field(4, description="Sources collected at the same time (each site stays sequential).")
    limit: int = Field(0, description="Most new files in one run, all sources together; 0 means no limit.")
    limit_per_source: int = Field(0, description="Most new files per source in one run; 0 means no limit.")
    user_gallery_dl_config: bool = Field(
        True, description="Read gallery-dl's own config files too (where logins, API keys and cookies live).")
    filters: FilterConfig = Field(default_factory=FilterConfig, description="What is worth downloading.")
    sites: dict[str, SiteConfig] = Field(default_factory=dict, description="Per source: on/off, self-hosted root, cookies, options.")
    subjects: dict[str, SubjectPreset] = Field(
        default_factory=_default_subjects, description="Subject presets; add your own as [collect.subjects.NAME].")

    def site(self, name: str) -> SiteConfig:
        return self.sites.get(name) or SiteConfig()

    @field_validator("subjects", mode="after")
    @classmethod
    def _keep_builtin_subjects(cls, value: dict[str, SubjectPreset]) -> dict[str, SubjectPreset]:
        # A user's [collect.subjects.mine] adds to the shipped presets instead of replacing them all.
        return {**_default_subjects(), **value}
