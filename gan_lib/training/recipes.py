"""Named training recipes: the thesis as built, and the project's data-efficient WGAN-GP.

A recipe is a set of :class:`~gan_lib.training.TrainConfig` values laid over a
profile by :func:`~gan_lib.training.train_config_for_profile` (a profile sets
sizes and budgets, a recipe the method).  Both keep the Wasserstein loss, the
gradient penalty (lambda = 10) and the BatchNorm-free critic.

``"thesis"``
    The thesis's networks and training (sections X-B to X-D): transposed
    convolutions with zero padding, no augmentation, no weight average.  It is
    the reference of the benchmarks.  Its samples show a checkerboard (the
    overlap pattern of ``ConvTranspose2d(4, 2, 1)``) and a bright frame.

``"project"``
    Changes that matter with a few hundred training patches, each with its paper:

    - nearest-neighbour upsampling + 3x3 convolution instead of transposed
      convolutions (Odena et al., Distill 2016): no checkerboard;
    - bilinear instead of nearest-neighbour interpolation in the two finest
      upsampling stages (``bilinear_stages=2``): nearest copies paint a
      2-8 px block grid, seen as streaks and blocks, which
      :func:`~gan_lib.metrics.block_edge_ratio` measures (0.3-0.7 with nearest
      everywhere, 1.0 for real patches and with this setting);
    - reflection padding in generator and critic: no zero border to paint a
      frame against, nor for the critic to key on;
    - DiffAugment, translation and cutout, on every image the critic sees
      (Zhao et al., NeurIPS 2020): the critic cannot memorise 768 patches;
    - an exponential moving average of the generator's weights with a
      ramp-up (Karras et al. 2018; StyleGAN2-ADA's ``ema_kimg``/``ema_rampup``):
      the generator used for sampling, evaluation and the reader study;
    - two critic updates per generator update instead of five, with the
      critic's learning rate doubled (the two time-scale rule, Heusel et al.,
      NeurIPS 2017): 2.5x the generator updates per CPU-minute;
    - the gradient penalty in a norm that sees fine detail
      (``penalty_norm="laplacian_stack"``): the critic sees each image beside
      6x its Laplacian, and is held 1-Lipschitz in that stacked norm (an
      H^2-type Sobolev norm; Adler & Lunz, NeurIPS 2018).  In pixel distance
      blurring a texture of spectral slope ~3 costs the generator almost
      nothing (Schwarz, Liao & Geiger, NeurIPS 2021), and the project recipe's
      samples were real tissue blurred by 1.2 px;
    - per-pixel noise inputs in the two finest stages (``noise_stages=2``;
      StyleGAN, Karras et al., CVPR 2019; FastGAN, Liu et al., ICLR 2021):
      grain that costs no latent dimension.  Without them the Laplacian norm's
      generator paints one diagonal lattice of specks into every sample;
    - a generator term matching the per-frequency mean and SD of the
      normalised log power spectra to a real batch's, per annulus *and*
      orientation sector (horizontal, 45 degrees, vertical, 135 degrees),
      weighted 0.3 (``spectral_weight``, ``spectral_orientations=4``;
      :mod:`~gan_lib.training.spectral_loss`; Durall et al., CVPR 2020).
      After the Laplacian norm the spectral reader keyed on the upsampling
      ripple (a 3 dB dip at 4-5 cycles/patch, the 8 px map's Nyquist
      frequency).  The same term on annuli alone (radial) read that reader
      down too, but its generators put one direction's power into another's:
      horizontal or vertical streaks, which the blur-aware CNN reader read at
      0.95-1.00 in every run.  Per sector, in the fifth 5-minute ablation
      (2026-12-07, seeds 0 / 1, on top of the rest of this recipe with the
      quick profile's 1/2 critic), it took the spectral reader from 1.00 /
      1.00 to 0.79 / 0.81 (held-out floor 0.82), SWD x1e3 from 88 / 80 to
      62 / 58 (floor 59), the blur-aware CNN reader from 0.76 [0.36, 1.00] /
      1.00 to 0.61 [0.49, 0.74] / 0.93 [0.89, 0.97] (floor 0.58) and the
      slope from 3.64 / 3.51 to 3.41 / 3.37 (training patches 3.39), with no
      streaks; at weight 1 the CNN reader read 1.00 / 0.91 and edges were
      stair-stepped;
    - a second 3x3 convolution (+ BatchNorm + LeakyReLU) in the finest stage,
      at 64 px in the quick profile (``refine_stages=1``; ProGAN, Karras et
      al., ICLR 2018, and StyleGAN run two per resolution).  Without it every
      output pixel is a linear filter of the interpolated 32 px features (the
      last block is interpolation, noise, one conv, ``tanh``), so nothing at
      the output resolution decides where a 1-2 px structure starts or bends.
      In the seventh 5-minute ablation (2026-12-07, seeds 0 / 1, an idle
      2-core AVX2-only AMD EPYC on which the recipe trains 400 / 410 steps in
      5 minutes) it took the spectral reader from 0.95 / 0.94 to 0.83 / 0.81
      (held-out floor 0.82) and the blur-aware CNN reader (converged, 3
      reader seeds) from 1.00 / 1.00 to 0.93 / 1.00, SWD x1e3 63 / 69 to
      54 / 75, at the same steps per minute (2336 more parameters).  At 15
      minutes: CNN reader 0.94 / 0.99 against 1.00 / 0.98 without it, SWD
      59 / 67 against 74 / 70, spectral reader 0.80 / 0.75 against
      0.77 / 0.84, statistics reader 0.59 / 0.70 against 0.65 / 0.60; its
      seed 0 was less diverse (MS-SSIM 0.145, training patches 0.126, the
      target's limit 0.156).  The samples still lack the tissue's strands.
    - 32 channels instead of 16 in the 32 px stage and the 64 px second
      conv (``generator_min_channels=32``; the quick profile's 1/4 width
      left them 16; the full profile's widths are all 32 or more), together
      with one more critic channel inside the penalty's view: each image's
      Laplacian over its own SD (``detail_scale=1``;
      :func:`~gan_lib.training.critic_view.normalised_laplacian`, the
      blur-aware CNN reader's own input).  A critic held 1-Lipschitz in a
      norm that sees fine structure at every contrast, and a generator
      with the channels to draw it.  Eighth and ninth 5-minute ablations
      (2026-12-07, an idle 2-core AMD EPYC with AVX-512 BF16,
      channels_last; converged CNN reader, 3 reader seeds): the blur-aware
      CNN reader read 0.78 / 1.00 / 0.95 / 0.76 / 0.89 / 0.96 in seeds
      0-5 against the recipe before it 0.98 / 1.00 / 0.99 / 0.97 in seeds
      0-3 (one-sided Mann-Whitney p = 0.03), at a sixth fewer steps
      (560-690 against 720-830), SWD x1e3 51-72 against 58-63 (held-out
      floor 59), the spectral and statistics readers and MS-SSIM within the
      recipe's range.  At 15 minutes seeds 0 / 1 read 0.85 / 0.62 (the
      recipe before it 0.93 / 0.98), at 30 minutes 0.54 / 0.53 (held-out
      view 0.55); seed 0 at 60 minutes read 0.84, less diverse (MS-SSIM
      0.151, training patches 0.126): longer is not yet always better.  Each
      change alone read no lower than the seed spread (wider: 0.94 / 0.98;
      detail channel: 1.00 / 0.85 here, 0.80 / 0.98 in the sixth ablation).

    The Laplacian norm and the noise inputs were chosen by the equal-time ablation of
    docs/results/generator_ablation.md (5 training minutes, 2 seeds, idle
    2-core AMD EPYC with AVX-512 BF16, 2026-12-06; 256 samples per run against
    the 768 training patches; seeds 0 / 1).  The Laplacian norm moved the
    spectral slope beta from 7.03 / 7.26 to 3.54 / 3.57 (training patches
    3.39), the fine band from -33.6 / -33.2 dB to -1.0 / -3.6 dB and SWD x1e3
    from 135 / 143 to 83 / 98, but collapsed diversity (MS-SSIM 0.170 / 0.174,
    training patches 0.126) into the lattice; the noise inputs then gave SWD
    87 / 85, MS-SSIM 0.111 / 0.107 and a statistics reader of 0.71 / 0.74
    (0.97 / 0.93 without them).  Every reader that sees fine texture still
    tells the samples from real (blur-aware CNN and spectral readers 0.99-1.00).

    The earlier values were chosen by quality per CPU-minute: in 3-minute probes of
    the quick profile (idle 2-core AMD EPYC, one seed each), n_critic 2 with a
    doubled critic rate took 705 steps to the 371 of n_critic 5 and lowered the
    CNN reader's AUC from 0.85 to 0.78 at the same SWD (95 vs 91), and bilinear
    upsampling lost to nearest (SWD 199 vs 172, statistics reader 0.94 vs
    0.70).  Bilinear finest stages were chosen for what a reader sees, at a
    measured cost: in the same probes (2026-12-02, 256 samples each) they
    removed the grid (block-edge ratios 0.96-1.04), and after 3 minutes gave
    SWD 138 and 184 (seeds 0, 1) against 101 and 110 with nearest everywhere,
    after 8 minutes SWD 131 against 124, C2ST 0.72 against 0.81 and a
    statistics-reader AUC of 0.90 against 0.72 (smoother samples).
    ``benchmarks/quality_vs_time.py`` measures the ladder from one recipe to
    the other; the README reports it.

Candidate settings, in no recipe: each defaults to the thesis's value, and
docs/results/generator_probes.md and docs/results/generator_ablation.md have
their probes.

- ``penalty_norm``: besides ``"pixel"`` (the thesis) and
  ``"laplacian_stack"`` (the project; ``laplacian_scale`` is its factor 6),
  ``"sobolev_fft"`` takes the gradient's dual Sobolev norm ``W^{-s,2}``
  (``sobolev_s``, ``sobolev_c``; Adler & Lunz, NeurIPS 2018), ``"whitening"``
  filters every image by the inverse of an ``f^-whitening_beta`` power
  spectrum first, and ``"whitening_stack"`` stacks that filtered image beside
  the pixels (:mod:`~gan_lib.training.critic_view`).
- ``critic_head="patch"``: a fully convolutional critic scoring the mean of
  its 4x4 patch scores (PatchGAN, Isola et al., CVPR 2017); ``critic_width``
  scales its channels.
- ``blur_stages``: a ``[1, 2, 1]`` binomial blur after upsampling in the
  finest stages (StyleGAN2, Karras et al., CVPR 2020): anti-aliased
  transposed convolutions, or, after bilinear stages, an order-5 binomial
  interpolation whose spectrum has weaker replicas of the coarser grid
  (the ripple of Durall et al., CVPR 2020).  After nearest it equals bilinear.
  In the 5-minute ablation on top of the project recipe (seeds 0 / 1) it
  raised SWD (101 / 90 against 87 / 85) and the statistics reader (0.86 /
  0.80 against 0.71 / 0.74) and painted horizontal streaks; the blur-aware
  CNN reader read one seed at 0.88 [0.78, 0.98] and the other at 1.00.
- ``noise_stages=3`` or ``4`` instead of 2: noise inputs in the coarser
  stages too, against the spectral reader's strongest cue, a 3 dB dip at
  4-5 cycles/patch (the 8 px map's Nyquist frequency).  In the second
  5-minute ablation (seeds 0 / 1) 3 moved the dip to other frequencies
  (spectral reader 0.97 / 1.00) and 4 gave SWD 72 / 69 and a statistics
  reader of 0.68 / 0.66 (2: 88 / 80, 0.70 / 0.75) with the spectral and
  blur-aware CNN readers at 0.98-1.00.
- ``spectral_orientations=1`` (the spectral term on annuli only, the
  spectral reader's own features) or ``spectral_weight`` other than 0.3.
  Radial, at weight 1 (second ablation), the spectral reader read 0.78 /
  0.86 (real floor 0.82) while the blur-aware CNN reader read 1.00 / 0.99
  and the samples carried streaks.  Radial at weight 0.3 (fourth ablation,
  2026-12-07, seeds 0 / 1) the spectral reader read 0.86 / 0.81 and SWD
  71 / 73, but the blur-aware CNN reader 1.00 / 0.95 and seed 0 carried
  horizontal streaks; ``make pipeline`` with it read the spectral reader
  0.91 and the CNN reader 1.00 [1.00, 1.00] with horizontal streaks in
  most of Fig 4's generated tiles.  Per sector at weight 1 (fifth
  ablation) the CNN reader read 1.00 / 0.91 and dark-bright edges were
  stair-stepped.  The term trains on the spectral reader's features (a
  finer pooling of them), so that reader alone cannot judge it: the
  blur-aware CNN and statistics readers, SWD and the pictures must agree.
- ``detail_scale`` other than 1, or 1 without the wider 32 px stage (the
  detail channel's history).  Sixth 5-minute ablation (2026-12-07, seeds 0 /
  1, on the recipe before its second conv, a faster idle 2-core AMD EPYC
  with AVX-512 BF16 on which the recipe trains 1250 / 1490 steps in 5
  minutes), scored by the CNN reader trained to convergence (3 reader seeds;
  held-out view 0.55, other patient 0.62): the recipe read 0.99 / 0.95,
  ``detail_scale=0.3`` 0.98 / 0.98, ``1`` 0.80 / 0.98 and ``2`` 0.75 / 0.98,
  with SWD, the spectral and statistics readers and MS-SSIM within each
  other's intervals.  Resumed to 15 minutes, the recipe read 1.00 / 1.00 and
  ``1`` read 1.00 / 0.91 (seed 0 also less diverse, MS-SSIM 0.146): the
  effect changes sign with the seed, so it was not adopted alone.  Eighth
  ablation (2026-12-07, the recipe with its second conv, the same CPU type,
  channels_last): ``1`` read 1.00 / 0.85 where that recipe read 0.98 / 1.00.
- ``lr_decay_start=0.5``: both learning rates held for the first half of
  the budget, then lowered linearly to 0 (CycleGAN's schedule, Zhu et al.,
  ICCV 2017; :mod:`~gan_lib.training.lr_schedule`).  With a constant rate
  the blur-aware CNN reader of checkpoints 200 steps apart swings between
  0.53 and 0.88 from 15 minutes on (tenth session of the ablation, seeds
  0 / 1), so a run's endpoint is a draw from that swing.  In seed 0 at 5 /
  15 / 30 / 60 minutes it read the CNN reader 0.81 / 0.70 / 0.54 / 0.62
  against the constant rate's 0.78 / 0.84 / 0.54 / 0.84, SWD x1e3 62 / 61
  / 53 / 47 against 58 / 56 / 54 / 56, and MS-SSIM 0.113-0.123 against
  0.124-0.151 (training patches 0.126).  Seed 1 at 5 / 15 / 30 minutes:
  0.99 / 0.65 / 0.61 against 1.00 / 0.62 / 0.53.  Not adopted yet: one
  seed has the whole curve, up to 30 minutes it is a wash, and the quality
  benchmark's contenders run through all marks at a constant rate.
- ``gp_every=4`` (a lazy penalty: every 4th critic update, weighted 4x;
  StyleGAN2, Karras et al., CVPR 2020), ``lr=2e-4`` (both learning rates
  doubled) and ``critic_width=1.0`` (the thesis's critic): the third
  5-minute ablation (2026-12-07, seeds 0 / 1) on top of the project recipe.
  The lazy penalty took 1120 / 1060 steps instead of 860 / 840 and gave SWD
  74 / 75 against 88 / 80, but the blur-aware CNN reader 0.97 / 1.00 and
  horizontal streaks in seed 1 (orientation bias 3.8 dB); doubled rates gave
  the spectral reader 1.00 / 0.97 and the CNN reader 0.99 / 0.95; the full
  critic 320 steps, SWD 68 / 71 and both readers at 1.00.  None lowered the
  spectral or the CNN reader in both seeds.
- ``n_critic=1`` and a batch of 16 (the quick profile's is 32), on top of
  the project recipe before the spectral term (fourth 5-minute ablation,
  2026-12-07, seeds 0 / 1).  One critic update per generator update took
  1330 / 1380 steps and read every texture reader at 0.99-1.00, with
  vertical streaks (orientation bias 3.2 / 2.8 dB) and seed 1 collapsed
  (MS-SSIM 0.269, SWD 123).  Batch 16 took 1380 / 1480 steps and read the
  blur-aware CNN reader 0.73 [0.33, 1.00] / 0.73 [0.44, 1.00] (intervals
  that span chance and certainty), the spectral reader 0.98 / 0.96; with
  the spectral term too, the spectral reader read 0.93 / 0.86, the CNN
  reader 1.00 / 0.98 and SWD 80 / 97 (the term alone: 71 / 73).
- ``refine_stages=2`` (the second conv in the 32 px stage too) and
  ``bilinear_stages=3`` (bilinear also from 8 to 16 px, against the
  stair-stepped edges of that nearest stage), in the seventh 5-minute
  ablation (seeds 0 / 1): ``refine_stages=2`` read the spectral reader
  0.85 / 0.78 and the CNN reader 1.00 / 0.99 with SWD 72 / 66 (``1``:
  0.83 / 0.81, 0.93 / 1.00, 54 / 75); ``bilinear_stages=3`` read the
  spectral reader 0.96 / 0.99 and the CNN reader 1.00 / 1.00 (the recipe
  without a second conv: 0.95 / 0.94, 1.00 / 1.00).
- ``diffaugment="translation"`` instead of ``"translation,cutout"``: cutout
  off (ADA's default pipeline, Karras et al., NeurIPS 2020, has none).  In
  the same ablation one seed repeated its samples (MS-SSIM 0.204, SWD 119)
  and the statistics reader rose to 0.84 / 0.88: cutout stays.
- ``attention_size=16``: a SAGAN self-attention block (Zhang et al., ICML
  2019; :mod:`gan_lib.models.attention`) after the generator's and the
  critic's 16 px maps, against the missing long strands.  Eleventh session
  of the ablation (2026-12-08, seeds 0 / 1, an idle 2-core Intel Xeon with
  AMX): the blur-aware CNN reader read 1.00 / 0.91 against the recipe's
  0.97 / 0.90 at 5 minutes and 0.71 / 0.57 against 0.72 / 0.59 at 15, SWD
  x1e3 61 / 71 against 61 / 56 at 15, at a quarter fewer steps per minute
  (2050 / 2220 against 2670 / 2770), and no strands in the samples.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RECIPES", "DEFAULT_RECIPE", "recipe_label"]

#: Recipe name -> the TrainConfig values it sets.
RECIPES: dict[str, dict[str, Any]] = {
    "thesis": {
        "upsample": "convtranspose",
        "bilinear_stages": 0,
        "padding_mode": "zeros",
        "diffaugment": "",
        "ema_kimg": 0.0,
        "n_critic": 5,
        "critic_lr_scale": 1.0,
    },
    "project": {
        "upsample": "nearest",
        "bilinear_stages": 2,
        "padding_mode": "reflect",
        "diffaugment": "translation,cutout",
        "ema_kimg": 10.0,
        "ema_rampup": 0.05,
        "n_critic": 2,
        "critic_lr_scale": 2.0,
        "penalty_norm": "laplacian_stack",
        "noise_stages": 2,
        "spectral_weight": 0.3,
        "spectral_orientations": 4,
        "refine_stages": 1,
        "generator_min_channels": 32,
        "detail_scale": 1.0,
    },
}

#: The recipe of both profiles unless ``recipe=`` says otherwise.
DEFAULT_RECIPE = "project"


def recipe_label(train: Any) -> str:
    """The recipe name of a ``TrainConfig`` (or its dict), plus any of the recipe's values it overrides.

    For tables and captions: ``"project"``, or ``"project (ema_kimg=0.0)"`` when
    a setting of the recipe was changed.

    Examples
    --------
    >>> thesis = {"recipe": "thesis", **RECIPES["thesis"]}
    >>> recipe_label(thesis)
    'thesis'
    >>> recipe_label({**thesis, "upsample": "nearest"})
    "thesis (upsample='nearest')"
    """
    values = train if isinstance(train, dict) else vars(train)
    name = values.get("recipe", "thesis")
    changed = [
        f"{key}={values[key]!r}"
        for key, value in RECIPES.get(name, {}).items()
        if key in values and values[key] != value
    ]
    return f"{name} ({', '.join(changed)})" if changed else name
