"""What the manifests library raises when a manifest, or a reference to one, cannot be used."""


class ManifestError(ValueError):
    """A missing, unreadable, invalid or ambiguous manifest: the message says which and why."""
