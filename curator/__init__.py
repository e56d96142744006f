"""curator: from a subject to a clean, reviewed, versioned image dataset and a trained StyleGAN2-ADA model."""

__version__ = "0.1.0"
