"""Train: a manifest (exported on the fly) or a training-set ZIP -> a StyleGAN2-ADA run folder."""
