"""Collection sources: one small class per site, registered by name (gallery-dl's extractor layout).

The site modules are listed here and imported on the first lookup; each registers its classes
with `@register`. `base` holds what they share and imports none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commons.registry import Registry

if TYPE_CHECKING:
    from curator.collect.sources.base import Source

SOURCES: Registry[type[Source]] = Registry(modules=[f"curator.collect.sources.{site}" for site in (
    "artstation", "danbooru", "deviantart", "flickr", "gelbooru", "pinterest", "pixiv", "wikimedia")])
register = SOURCES.register


def registry() -> dict[str, type[Source]]:
    """Every source by name."""
    return SOURCES.entries()
