"""Images from a trained generator: seeds, truncation, classes, grids, interpolations, style mixing."""
