#!/usr/bin/env python3
"""The statistics of `make ab`: paired samples of two builds run alternately.

Pure Python (no numpy or scipy), so that it can be tested on synthetic data.

One pair is two adjacent processes of the same part, one of each build (ABBA
order: A B | B A), so both sides of a pair meet the same machine: a drift that
moves the whole machine moves both.  Each pair gives d = log(new / old).  The
change is the Hodges-Lehmann estimate of d's centre (the median of the Walsh
averages (d_i + d_j) / 2, i <= j) with the distribution-free interval that
inverts the Wilcoxon signed-rank test (exact null distribution; Hollander and
Wolfe, "Nonparametric Statistical Methods", section 3.2).  It assumes the pair
differences are symmetric about their centre, which ABBA helps with: a linear
drift inside a round adds +delta to the A-B pair and -delta to the B-A pair.

A benchmark is judged against a threshold t (0.05 = 5%) on the ratio new/old:
  SLOWER     the whole interval above 1 + t
  faster     the whole interval below 1 / (1 + t)
  unchanged  the whole interval inside [1 / (1 + t), 1 + t]
  undecided  the interval straddles a bound; its half-width and the half-width
             that would decide it are reported, with the pairs that would
             likely give it (the width shrinks as 1 / sqrt(pairs))
"""

import math

CONFIDENCE = 0.95
SLOWER, FASTER, UNCHANGED, UNDECIDED = "SLOWER", "faster", "unchanged", "undecided"


def signed_rank_counts(n):
    """counts[t] = how many of the 2**n sign patterns give signed-rank sum T = t."""
    counts = [1]
    for i in range(1, n + 1):
        new = counts + [0] * i
        for t, c in enumerate(counts):
            new[t + i] += c
        counts = new
    return counts


def trim_count(n, confidence=CONFIDENCE):
    """k: how many Walsh averages to drop on each side for a two-sided interval of at
    least `confidence`; 0 when n pairs are too few for any such interval."""
    if n <= 0:
        return 0
    alpha_half = (1.0 - confidence) / 2.0
    total = 2 ** n
    cum, k = 0, 0
    for t, c in enumerate(signed_rank_counts(n)):
        cum += c
        # P(T <= t) <= alpha/2: dropping t + 1 averages on each side keeps the level.
        if cum / total <= alpha_half:
            k = t + 1
        else:
            break
    return k


def min_pairs(confidence=CONFIDENCE):
    """The fewest pairs for which an interval at `confidence` exists (6 at 95%)."""
    n = 1
    while trim_count(n, confidence) == 0:
        n += 1
    return n


def walsh_averages(d):
    return sorted((d[i] + d[j]) / 2.0 for i in range(len(d)) for j in range(i, len(d)))


def hodges_lehmann(d, confidence=CONFIDENCE):
    """(estimate, low, high) of the centre of d; low and high are None when d has too
    few values for an interval at `confidence`; all None when d is empty."""
    d = [x for x in d if x is not None and math.isfinite(x)]
    if not d:
        return None, None, None
    w = walsh_averages(d)
    m = len(w)
    est = w[m // 2] if m % 2 else (w[m // 2 - 1] + w[m // 2]) / 2.0
    k = trim_count(len(d), confidence)
    if k == 0:
        return est, None, None
    return est, w[k - 1], w[m - k]


def pair_log_ratios(samples):
    """Pairs of one benchmark as log(new/old).  samples: (pair_id, side, value) with side
    'old' or 'new'; a pair with a side missing or a value <= 0 is left out.  Where a
    pair has several values on a side (repetitions in one process), their median."""
    sides = {}
    for pid, side, v in samples:
        sides.setdefault(pid, {"old": [], "new": []})[side].append(v)
    out = []
    for pid in sorted(sides):
        o, n = sides[pid]["old"], sides[pid]["new"]
        if not o or not n:
            continue
        mo, mn = median(o), median(n)
        if mo > 0 and mn > 0:
            out.append(math.log(mn / mo))
    return out


def median(v):
    s = sorted(v)
    m = len(s)
    return s[m // 2] if m % 2 else (s[m // 2 - 1] + s[m // 2]) / 2.0


def judge(d, threshold, confidence=CONFIDENCE):
    """The verdict on one benchmark's pair log-ratios d at threshold (0.05 = 5%): a dict
    with ratio, low, high (new/old), verdict, pairs and, when undecided, half_width and
    needed (half-widths of the log-ratio interval, as fractions) and pairs_needed."""
    n = len(d)
    est, lo, hi = hodges_lehmann(d, confidence)
    row = {"pairs": n, "ratio": None, "low": None, "high": None, "verdict": UNDECIDED,
           "half_width": None, "needed": None, "pairs_needed": None}
    if est is None:
        row["why"] = "no pairs"
        return row
    row["ratio"] = math.exp(est)
    bound = math.log1p(threshold)
    if lo is None:
        row["why"] = f"{n} pairs, an interval needs {min_pairs(confidence)}"
        row["pairs_needed"] = min_pairs(confidence)
        return row
    row["low"], row["high"] = math.exp(lo), math.exp(hi)
    if lo > bound:
        row["verdict"] = SLOWER
    elif hi < -bound:
        row["verdict"] = FASTER
    elif lo >= -bound and hi <= bound:
        row["verdict"] = UNCHANGED
    else:
        half = (hi - lo) / 2.0
        # The half-width at which the interval around est would fall on one side of
        # the nearest bound: unchanged inside, SLOWER/faster outside.
        needed = abs(bound - abs(est))
        row["half_width"], row["needed"] = half, needed
        if needed > 0:
            row["pairs_needed"] = max(n + 1, math.ceil(n * (half / needed) ** 2))
    return row


def decided(rows):
    return sum(1 for r in rows if r["verdict"] != UNDECIDED)
