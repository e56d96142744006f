"""YuruGAN's class-conditional GAN: a BigGAN-style ResNet generator and a projection + AC discriminator.

Written from the papers it combines: SNGAN (Miyato et al. 2018, spectral normalisation), the
projection discriminator (Miyato & Koyama 2018), SAGAN (Zhang et al. 2019, self-attention, TTUR,
hinge loss), BigGAN (Brock et al. 2019, conditional batch norm with a hierarchical latent) and
AC-GAN (Odena et al. 2017, the auxiliary classifier). Datasets, grids, checkpoint files, stats and
torchrun support are StyleGAN2-ADA trainer's, imported from `trainers.stylegan2`.
"""
