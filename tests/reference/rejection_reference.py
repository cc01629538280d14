#!/usr/bin/python3
"""Reference values for tests/test_rejection.cpp, computed independently of nightstack.

Run with Debian's python3-astropy (offline), from the repository root:
    /usr/bin/python3 tests/reference/rejection_reference.py > tests/reference/rejection_reference.hpp
    clang-format -i tests/reference/rejection_reference.hpp

sigma_clip and mad_clip are astropy.stats.sigma_clip itself (cenfunc='median', stdfunc='std' or
'mad_std'); winsorized_sigma_clip is astropy's sigma_clip with a winsorized spread function; the
others are plain numpy / Python written from the definitions in docs/stacking.md.
"""
import math
import warnings

import astropy
import numpy as np
from astropy.stats import sigma_clip

FRAMES = 21
PIXELS = 8


def make_data():
    rng = np.random.default_rng(20240604)
    data = rng.normal(0.1, 0.01, size=(PIXELS, FRAMES))
    data[1, 4] = 0.85                       # a satellite in one frame
    data[2, [3, 11]] = [0.9, 0.7]           # two bright outliers
    data[3, 7] = 0.0                        # a dead value
    data[4, [0, 5, 9]] = [0.6, 0.0, 0.95]   # low and high together
    data[5] = rng.standard_t(2, FRAMES) * 0.02 + 0.2   # heavy tails
    data[6, 10:14] = [0.5, 0.52, 0.48, 0.51]           # a cluster of outliers (a slow plane)
    data[7] = rng.uniform(0.05, 0.15, FRAMES)          # no outliers, flat distribution
    return data.astype(np.float32).astype(np.float64)  # exactly what the C++ side reads as float


def weights():
    return np.array([1.0 + 0.5 * (frame % 3) for frame in range(FRAMES)])


def counts(values, keep, center_low):
    rejected = ~keep
    return int(np.sum(rejected & center_low)), int(np.sum(rejected & ~center_low))


def astropy_clip(values, sigma_low, sigma_high, iterations, stdfunc):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        clipped, lower, upper = sigma_clip(values, sigma_lower=sigma_low, sigma_upper=sigma_high,
                                           maxiters=iterations, cenfunc='median', stdfunc=stdfunc,
                                           return_bounds=True)
    keep = ~np.ma.getmaskarray(clipped)
    # Guard against ties with the bounds, where float rounding could decide: none may be that close.
    for bound in (lower, upper):
        assert np.all(np.abs(values - bound) > 1e-9 * max(1.0, abs(bound))), 'a value sits on a bound'
    return keep, values < lower


def winsorized_spread(data, axis=None):
    center = np.median(data)
    sigma = np.std(data)
    clamped = np.array(data, dtype=np.float64)
    for _ in range(100):
        clamped = np.clip(clamped, center - 1.5 * sigma, center + 1.5 * sigma)
        previous = sigma
        sigma = 1.134 * np.std(clamped)
        if not abs(sigma - previous) > previous * 0.0005:
            break
    return sigma


def median_sigma(values, sigma_low, sigma_high, iterations):
    current = values.copy()
    side = np.zeros(len(values), dtype=int)   # -1 low, +1 high, 0 kept
    for _ in range(iterations):
        center = np.median(current)
        deviation = np.std(current)
        low = current < center - deviation * sigma_low
        high = current > center + deviation * sigma_high
        side[(side == 0) & low] = -1
        side[(side == 0) & high] = 1
        current[low | high] = center
        if not np.any(low | high):
            break
    return current, side


def min_max(values, count):
    dropped = min(count, (len(values) - 1) // 2)
    order = np.argsort(values, kind='stable')   # equal values: the earlier frame counts as lower
    keep = np.ones(len(values), dtype=bool)
    low = np.zeros(len(values), dtype=bool)
    if dropped:
        keep[order[:dropped]] = False
        keep[order[-dropped:]] = False
        low[order[:dropped]] = True
    return keep, low


def percentile_clip(values, low_fraction, high_fraction):
    center = np.median(values)
    low = values < center - low_fraction * abs(center)
    high = values > center + high_fraction * abs(center)
    return ~(low | high), low


# Student's t: CDF through the regularized incomplete beta function (continued fraction, modified
# Lentz), quantile by bisection. Written here so the GESD reference does not share Boost.Math.
def incomplete_beta(a, b, x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - incomplete_beta(b, a, 1.0 - x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 10000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-16:
            break
    return front * result / a


def t_cdf(t, dof):
    tail = 0.5 * incomplete_beta(dof / 2.0, 0.5, dof / (dof + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p, dof):
    low, high = 0.0, 1e6
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, dof) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def gesd_critical(n, alpha, tested):
    values = []
    for i in range(1, tested + 1):
        p = 1.0 - alpha / (2.0 * (n - i + 1))
        t = t_quantile(p, n - i - 1)
        values.append((n - i) * t / math.sqrt((n - i - 1 + t * t) * (n - i + 1)))
    return values


def gesd(values, alpha, max_fraction):
    n = len(values)
    tested = min(int(math.floor(max_fraction * n)), n - 2) if n >= 3 else 0
    critical = gesd_critical(n, alpha, tested)
    remaining = list(range(n))
    removed, outliers = [], 0
    for step in range(tested):
        subset = values[remaining]
        mean, deviation = subset.mean(), subset.std(ddof=1)
        distances = np.abs(subset - mean)
        farthest = int(np.argmax(distances))    # the first of equal distances
        statistic = distances[farthest] / deviation if deviation > 0 else 0.0
        assert abs(statistic - critical[step]) > 1e-9, 'a statistic sits on its critical value'
        removed.append((remaining[farthest], subset[farthest] < mean))
        if statistic > critical[step]:
            outliers = step + 1
        del remaining[farthest]
    keep = np.ones(n, dtype=bool)
    low = np.zeros(n, dtype=bool)
    for index, is_low in removed[:outliers]:
        keep[index] = False
        low[index] = is_low
    return keep, low


def weighted_mean(values, keep, weight):
    return float(np.sum(weight[keep] * values[keep]) / np.sum(weight[keep])) if keep.any() else float('nan')


def float_literal(value):
    text = f'{value:.9g}'   # 9 significant digits give the float32 back exactly
    return (text if ('.' in text or 'e' in text) else text + '.0') + 'f'


def main():
    # NIST handbook check of the t quantile and the GESD critical values (n = 54, alpha = 0.05).
    nist = gesd_critical(54, 0.05, 3)
    assert all(abs(a - b) < 1e-3 for a, b in zip(nist, [3.158, 3.151, 3.143])), nist

    data = make_data()
    weight = weights()
    equal = np.ones(FRAMES)
    cases = []
    for sigma_low, sigma_high, iterations in [(3, 3, 5), (2, 2.5, 10), (1.5, 2, 1)]:
        cases.append((f'sigma_clip {sigma_low} {sigma_high} {iterations}', 'sigma_clip', [sigma_low, sigma_high, iterations],
                      lambda v, a=sigma_low, b=sigma_high, c=iterations: astropy_clip(v, a, b, c, 'std')))
    for sigma_low, sigma_high, iterations in [(3, 3, 5), (2.5, 2, 3)]:
        cases.append((f'mad_clip {sigma_low} {sigma_high} {iterations}', 'mad_clip', [sigma_low, sigma_high, iterations],
                      lambda v, a=sigma_low, b=sigma_high, c=iterations: astropy_clip(v, a, b, c, 'mad_std')))
    for sigma_low, sigma_high, iterations in [(3, 3, 5), (2, 2, 10)]:
        cases.append((f'winsorized {sigma_low} {sigma_high} {iterations}', 'winsorized_sigma_clip',
                      [sigma_low, sigma_high, iterations],
                      lambda v, a=sigma_low, b=sigma_high, c=iterations: astropy_clip(v, a, b, c, winsorized_spread)))
    cases.append(('min_max 2', 'min_max', [2], lambda v: min_max(v, 2)))
    cases.append(('percentile 0.2 0.1', 'percentile_clip', [0.2, 0.1], lambda v: percentile_clip(v, 0.2, 0.1)))
    cases.append(('gesd 0.05 0.3', 'gesd', [0.05, 0.3], lambda v: gesd(v, 0.05, 0.3)))
    cases.append(('gesd 0.01 0.2', 'gesd', [0.01, 0.2], lambda v: gesd(v, 0.01, 0.2)))

    print('// Generated by tests/reference/rejection_reference.py (astropy ' + astropy.__version__ + ', numpy ' +
          np.__version__ + '); do not edit: run the script again.')
    print('#pragma once\n\n#include <string>\n#include <vector>\n\nnamespace nightstack::testing {\n')
    print('struct ReferenceResult {\n  double value;\n  int low, high;\n};\n')
    print('struct ReferenceCase {\n  std::string label;\n  std::string method;\n  std::vector<double> parameters;')
    print('  // The pixels with equal weights, then with the weights 1 + 0.5 (frame % 3).')
    print('  std::vector<ReferenceResult> results;')
    print('};\n')
    print(f'constexpr int reference_frames = {FRAMES};')
    print('const std::vector<std::vector<float>> reference_pixels = {')
    for row in data:
        print('    {' + ', '.join(float_literal(value) for value in row) + '},')
    print('};')
    print('const std::vector<ReferenceCase> reference_cases = {')
    for label, method, parameters, decide in cases:
        results = []
        for weighted in (False, True):
            for values in data:
                keep, low_side = decide(values)
                low, high = counts(values, keep, low_side)
                results.append(f'{{{weighted_mean(values, keep, weight if weighted else equal)!r}, {low}, {high}}}')
        print(f'    {{"{label}", "{method}", {{{", ".join(repr(float(p)) for p in parameters)}}},')
        print('     {' + ', '.join(results) + '}},')
    for sigma_low, sigma_high, iterations in [(3, 3, 5), (2.5, 2, 10)]:
        results = []
        for weighted in (False, True):
            for values in data:
                current, side = median_sigma(values, sigma_low, sigma_high, iterations)
                all_kept = np.ones(FRAMES, dtype=bool)
                mean = weighted_mean(current, all_kept, weight if weighted else equal)
                results.append(f'{{{mean!r}, {int(np.sum(side < 0))}, {int(np.sum(side > 0))}}}')
        print(f'    {{"median_sigma {sigma_low} {sigma_high} {iterations}", "median_sigma_clip", '
              f'{{{float(sigma_low)!r}, {float(sigma_high)!r}, {float(iterations)!r}}},')
        print('     {' + ', '.join(results) + '}},')
    print('};')
    print('const std::vector<double> reference_medians = {' +
          ', '.join(repr(float(np.median(values))) for values in data) + '};')
    print('// GESD critical values, n = 21, alpha = 0.05, 6 tested')
    print('const std::vector<double> reference_gesd_critical = {' +
          ', '.join(repr(value) for value in gesd_critical(21, 0.05, 6)) + '};')
    print('\n}  // namespace nightstack::testing')


if __name__ == '__main__':
    main()
