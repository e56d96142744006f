"""A StyleGAN2-ADA trainer in plain PyTorch 2: networks, loss, training loop, checkpoints.

Written from the papers (Karras et al. 2020, "Analyzing and Improving the Image Quality of
StyleGAN" and "Training Generative Adversarial Networks with Limited Data") so that its
`state_dict` keys and shapes match the official networks; no code is copied from NVIDIA.
"""
