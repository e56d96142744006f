"""The fixed filters the augmentation pipeline resamples and equalises with.

Two families, both built from published mathematical constants rather than from any code:

- `SYM6`, the 12-tap Symlet-6 orthogonal scaling filter (coefficients as tabulated by
  PyWavelets, `pywt.Wavelet('sym6').dec_lo`), normalised to unit DC gain. Because it is
  orthogonal, upsampling with it and downsampling with it (as adjoint operators) is exactly
  the identity, so the geometric path only blurs what it actually moves.
- `band_filters()`, a 4-band filter bank (octaves 0-1/8, 1/8-1/4, 1/4-1/2, 1/2-1 of Nyquist)
  whose rows sum to a unit impulse, built from a half-band filter by the "a trous" scheme.
"""

from __future__ import annotations

import numpy as np

_SYM6_DEC_LO = (
    0.015404109327027373, 0.0034907120842174702, -0.11799011114819057, -0.048311742585633,
    0.4910559419267466, 0.787641141030194, 0.3379294217276218, -0.07263752278646252,
    -0.021060292512300564, 0.04472490177066578, 0.0017677118642428036, -0.007800708325034148,
)

# Sum 1 (unit DC gain) and sum of squares 1/2: the normalisation under which the
# stride-2 upsample/downsample pair in aug_resample is exactly inverse.
SYM6: np.ndarray = np.asarray(_SYM6_DEC_LO, dtype=np.float64) / np.sqrt(2.0)

# Deslauriers-Dubuc 4-point interpolating filter: H(w) + H(pi - w) = 1, a clean half-band split.
_HALF_BAND = np.array([-1.0, 0.0, 9.0, 16.0, 9.0, 0.0, -1.0]) / 32.0

# Share of an average natural image's power in each band, low to high. The gains the filter
# augmentation draws are renormalised so this expected total stays constant (ADA paper, appendix).
BAND_EXPECTED_POWER: np.ndarray = np.array([10.0, 1.0, 1.0, 1.0]) / 13.0


def _dilate(taps: np.ndarray, factor: int) -> np.ndarray:
    """Insert factor-1 zeros between taps: the same response, compressed by `factor` in frequency."""
    out = np.zeros((len(taps) - 1) * factor + 1)
    out[::factor] = taps
    return out


def _centre_pad(taps: np.ndarray, length: int) -> np.ndarray:
    side = (length - len(taps)) // 2
    return np.pad(taps, (side, side))


def band_filters() -> np.ndarray:
    """Rows = symmetric odd-length filters for 4 octave bands, low to high; they sum to an impulse."""
    lowpasses = [_HALF_BAND]  # cut-offs pi/2, pi/4, pi/8
    for factor in (2, 4):
        lowpasses.append(np.convolve(lowpasses[-1], _dilate(_HALF_BAND, factor)))
    length = len(lowpasses[-1])
    impulse = _centre_pad(np.ones(1), length)
    low = [_centre_pad(f, length) for f in lowpasses]
    return np.stack([low[2], low[1] - low[2], low[0] - low[1], impulse - low[0]])
