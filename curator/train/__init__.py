"""Train: a manifest (exported on the fly) or a training-set ZIP -> a run folder of the chosen trainer (StyleGAN2-ADA by default, or YuruGAN)."""
