"""Evaluate generators: Inception features, FID/IS/KID/precision-recall, and the weights-free SWD."""
