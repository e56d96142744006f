"""StyleGAN2 generator and discriminator with the official parameter names and shapes."""

from trainers.stylegan2.networks.discriminator import Discriminator
from trainers.stylegan2.networks.generator import Generator

__all__ = ["Generator", "Discriminator"]
