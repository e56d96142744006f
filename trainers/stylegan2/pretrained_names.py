"""The official StyleGAN2-ADA networks by name, as the official `--resume` names them, plus the released ones.

URLs from NVlabs/stylegan2-ada-pytorch (README and train.py). Sizes and sha256 are not known
here (the networks could not be downloaded where this was written), so the first download
records them (see pretrained.py); fill `size`/`sha256` in when a download has been checked.
"""

from trainers.stylegan2.pretrained import PRETRAINED, PretrainedNetwork

_ROOT = "https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained"
_SOURCES = f"{_ROOT}/transfer-learning-source-nets"

for _entry in (
    PretrainedNetwork("ffhq256", f"{_SOURCES}/ffhq-res256-mirror-paper256-noaug.pkl", "FFHQ 256 px, paper256 config"),
    PretrainedNetwork("ffhq512", f"{_SOURCES}/ffhq-res512-mirror-stylegan2-noaug.pkl", "FFHQ 512 px, stylegan2 config"),
    PretrainedNetwork("ffhq1024", f"{_SOURCES}/ffhq-res1024-mirror-stylegan2-noaug.pkl", "FFHQ 1024 px, stylegan2 config"),
    PretrainedNetwork("celebahq256", f"{_SOURCES}/celebahq-res256-mirror-paper256-kimg100000-ada-target0.5.pkl",
                      "CelebA-HQ 256 px, paper256 config"),
    PretrainedNetwork("lsundog256", f"{_SOURCES}/lsundog-res256-paper256-kimg100000-noaug.pkl", "LSUN Dog 256 px"),
    PretrainedNetwork("ffhq", f"{_ROOT}/ffhq.pkl", "FFHQ 1024 px, original StyleGAN2"),
    PretrainedNetwork("metfaces", f"{_ROOT}/metfaces.pkl", "MetFaces 1024 px (from FFHQ with ADA)"),
    PretrainedNetwork("afhqcat", f"{_ROOT}/afhqcat.pkl", "AFHQ Cat 512 px"),
    PretrainedNetwork("afhqdog", f"{_ROOT}/afhqdog.pkl", "AFHQ Dog 512 px"),
    PretrainedNetwork("afhqwild", f"{_ROOT}/afhqwild.pkl", "AFHQ Wild 512 px"),
    PretrainedNetwork("brecahad", f"{_ROOT}/brecahad.pkl", "BreCaHAD 512 px"),
    PretrainedNetwork("cifar10", f"{_ROOT}/cifar10.pkl", "CIFAR-10 32 px, class-conditional"),
):
    PRETRAINED.register(_entry)
