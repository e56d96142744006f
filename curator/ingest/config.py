"""The `[import]` section of curator.toml."""

from pydantic import Field

from curator.section import Section


class ImportConfig(Section):
    max_file_bytes: int = Field(256 * 1024 * 1024, ge=1, description="Files larger than this are rejected without being stored.")
    max_pixels: int = Field(64_000_000, ge=1, description="Images with more pixels are rejected as possible decompression bombs.")
    workers: int = Field(0, ge=0, le=1024, description="Decode processes; 0 means one per CPU core.")
