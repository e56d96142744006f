"""Export: the kept items of a manifest as a training set (ZIP of PNGs + dataset.json)."""
