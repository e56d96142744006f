"""One module per trainer of `curator train --model` (see curator.train.registry)."""
