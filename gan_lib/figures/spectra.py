"""Mean radial power spectra of real, generated and blurred real sets: blur seen at a glance."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gan_lib.figures.style import COLORS
from gan_lib.metrics.spectral import DEFAULT_BAND, FINE_BAND_MIN, radial_power_spectrum

__all__ = ["spectra_figure"]


def spectra_figure(
    sets: Mapping[str, np.ndarray], ladder: Mapping[float, np.ndarray], *, reference: str = "train"
) -> Figure:
    """Mean log radial power spectrum of each set (left) and its difference to ``reference`` in dB (right).

    Parameters
    ----------
    sets : mapping
        Name ("train", "heldout", "test", "generated", ...) -> ``(N, H, H)``
        images in [-1, 1]; names in :data:`~gan_lib.figures.style.COLORS` get
        their colour.  Must hold ``reference``.
    ladder : mapping
        Blur sigma (px) -> the reference blurred by it
        (:func:`gan_lib.metrics.spectral.blur_ladder`), drawn dashed in greys.
    reference : str, keyword-only
        The set the right panel is relative to.

    Returns
    -------
    Figure
        Two axes: log-log mean spectra with the slope band and the fine band
        shaded; ``10 log10`` of each set's mean power over the reference's per frequency.
    """
    if reference not in sets:
        raise ValueError(f"spectra_figure: sets must include the reference {reference!r}; got {list(sets)}.")
    curves = {name: radial_power_spectrum(images) for name, images in sets.items()}
    frequencies, reference_power = curves[reference]
    reference_mean = reference_power.mean(axis=0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    greys = plt.get_cmap("Greys")(np.linspace(0.35, 0.85, max(len(ladder), 1)))
    styled = [
        (name, dict(color=COLORS.get(name), lw=2 if name in ("generated", reference) else 1.4)) for name in curves
    ]
    styled += [
        (f"{reference} blurred, sigma {sigma:g} px", dict(color=greys[i], ls="--", lw=1.2))
        for i, sigma in enumerate(ladder)
    ]
    for (name, style), images in zip(styled, [*sets.values(), *ladder.values()]):
        power = curves[name][1] if name in curves else radial_power_spectrum(images)[1]
        mean = power.mean(axis=0)
        left.loglog(frequencies, mean, label=f"{name} (n={len(power)})", **style)
        right.semilogx(frequencies, 10 * np.log10(mean / reference_mean), **style)
    for ax in (left, right):
        ax.axvspan(FINE_BAND_MIN, frequencies[-1], color="0.9", zorder=0)
        ax.set_xlabel("spatial frequency [cycles/patch]")
    left.axvline(DEFAULT_BAND[0], color="0.6", lw=0.8, ls=":")
    left.axvline(DEFAULT_BAND[1], color="0.6", lw=0.8, ls=":")
    left.set_ylabel("mean power (Hann window)")
    left.set_title("radially averaged power spectra\n(dotted: slope band; shaded: fine band)")
    right.axhline(0, color="0.4", lw=0.8)
    right.set_ylabel(f"power vs {reference} [dB]")
    right.set_title(f"difference to {reference}: below 0 = blurrier")
    left.legend(fontsize=7, frameon=False)
    return fig
