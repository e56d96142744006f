"""The `[review]` section of curator.toml."""

from pydantic import Field

from curator.section import Section


class ReviewConfig(Section):
    database_uri: str | None = Field(
        None,
        description="MongoDB URI of an external database for FiftyOne; unset runs FiftyOne's embedded mongod per workspace.",
    )
    database_dir: str | None = Field(
        None, description="Folder of the embedded database (unset: <workspace>/review/db). It holds unsynced review tags."
    )
    address: str = Field("127.0.0.1", description="Address the App listens on with --remote; 0.0.0.0 exposes it to the network.")
    port: int = Field(5151, ge=1, le=65535, description="Port the App listens on (1-65535).")
    reviewer: str | None = Field(None, description="Name recorded with each decision (unset: the login name).")
