"""Collection sources: one small class per site, registered by name (gallery-dl's extractor layout)."""
