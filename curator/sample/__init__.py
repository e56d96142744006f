"""The project's own sample corpus: generated cartoon mascots with known duplicates and junk."""

from curator.sample.corpus import CorpusSpec, generate_corpus
from curator.sample.mascot import FAMILIES, MascotSpec, draw_mascot

__all__ = ["FAMILIES", "CorpusSpec", "MascotSpec", "draw_mascot", "generate_corpus"]
