"""curator: from a subject to a clean, reviewed, versioned image dataset and a trained StyleGAN2-ADA model."""

__version__ = "0.1.0"  # the one source: pyproject.toml reads it (tool.setuptools.dynamic)

# The name on PyPI (`pip install stylegan-curator`); `curator` there is an unrelated project.
# The command stays `curator`.
DISTRIBUTION = "stylegan-curator"
