"""Every synthetic source at once: at a chosen scale, or as the committed sample set in data/samples/."""

from __future__ import annotations

from pathlib import Path

from synthetic import safety_internal, safety_public, welfare_ops
from synthetic.commerce import generate_commerce, generate_commerce_samples
from synthetic.childcare import generate_childcare
from synthetic.welfare_ops import generate_welfare_ops
from synthetic.welfare_stats import generate_welfare_stats

# The committed sample: small enough for git (every file < 1 MB), large enough to exercise every rule.
CHILDCARE_SAMPLE_SCALE, CHILDCARE_SAMPLE_DAYS = 0.03, 21


def generate_all(out_dir: Path, scale: float, days: int, seed: int, dirty_rate: float) -> dict[str, int]:
    counts = generate_childcare(out_dir, scale=scale, days=days, seed=seed, dirty_rate=dirty_rate)
    counts |= generate_welfare_ops(out_dir, scale=scale, days=days, seed=seed, dirty_rate=dirty_rate)
    counts |= safety_internal.generate_safety_internal(out_dir, scale=scale, days=days, seed=seed, dirty_rate=dirty_rate)
    counts |= safety_public.generate_safety_public(out_dir, scale=scale, seed=seed, dirty_rate=dirty_rate)
    counts |= generate_commerce(out_dir, scale=scale, quarters=4, seed=seed, dirty_rate=dirty_rate)
    return counts | generate_welfare_stats(out_dir)  # published dong tables: one fixed set at every scale


def generate_samples(out_dir: Path) -> dict[str, int]:
    counts = generate_childcare(out_dir, scale=CHILDCARE_SAMPLE_SCALE, days=CHILDCARE_SAMPLE_DAYS)
    counts |= generate_welfare_ops(out_dir, scale=welfare_ops.SAMPLE_SCALE, days=welfare_ops.SAMPLE_DAYS)
    counts |= safety_internal.generate_safety_internal(out_dir, scale=safety_internal.SAMPLE_SCALE,
                                                       days=safety_internal.SAMPLE_DAYS, start=safety_internal.SAMPLE_START)
    counts |= safety_public.generate_safety_public(out_dir, scale=safety_public.SAMPLE_SCALE)
    counts |= generate_commerce_samples(out_dir)
    return counts | generate_welfare_stats(out_dir)
