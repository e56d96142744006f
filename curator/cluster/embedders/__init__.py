"""Image embedders behind one registry: `create_embedder(name, **cfg)` (see `registry`)."""
