#!/usr/bin/python3
"""Reference values for tests/test_missing_samples.cpp, computed independently of nightstack.

Run with Debian's python3-astropy (offline), from the repository root:
    /usr/bin/python3 tests/reference/missing_samples_reference.py > tests/reference/missing_samples_reference.hpp
    clang-format -i tests/reference/missing_samples_reference.hpp

Two sequences of 9 frames of 8 x 6 pixels with the same missing samples (NaN in the float frames,
BLANK in the 16-bit integer frames): one pixel missing in every frame, a row missing in two frames,
a column missing in all but two, a pixel valid in one frame only, and scattered single ones. Every
method is numpy / astropy on the valid values alone: sum is nansum (NaN where nothing is valid),
mean nanmean, median nanmedian, max and min nanmax and nanmin; sigma_clip and mad_clip are astropy's
sigma_clip on the masked cube (axis=0), checked here against the same on each pixel's valid values;
the other rejection methods are rejection_reference.py's definitions applied to the valid values.
"""
import warnings

import astropy
import numpy as np
from astropy.stats import sigma_clip

import rejection_reference as rejection

FRAMES, WIDTH, HEIGHT = 9, 8, 6
BLANK = -32768


def make_mask():
    rng = np.random.default_rng(20261206)
    missing = np.zeros((FRAMES, HEIGHT, WIDTH), dtype=bool)
    missing[:, 0, 0] = True              # missing in every frame: NaN in every stack, NBLANK 1
    missing[[2, 5], 3, :] = True         # a stripe missing in two frames
    missing[:7, :, 6] = True             # a column valid in two frames only
    missing[:, 5, 7] = True
    missing[4, 5, 7] = False             # a pixel valid in one frame only
    missing |= rng.random((FRAMES, HEIGHT, WIDTH)) < 0.05
    return missing


def make_float_data(missing):
    rng = np.random.default_rng(7)
    data = rng.normal(0.1, 0.01, size=(FRAMES, HEIGHT, WIDTH)) + 0.003 * np.arange(FRAMES)[:, None, None]
    hot = rng.random((FRAMES, HEIGHT, WIDTH)) < 0.06
    data[hot] = 0.9                                     # hot pixels and cosmic rays
    data[6, 2, :] = 0.6                                 # a satellite in one frame
    data = data.astype(np.float32).astype(np.float64)   # exactly what the C++ side reads as float
    data[missing] = np.nan
    return data


def make_integer_data(missing):
    rng = np.random.default_rng(11)
    data = np.round(rng.normal(1000, 30, size=(FRAMES, HEIGHT, WIDTH)))
    hot = rng.random((FRAMES, HEIGHT, WIDTH)) < 0.06
    data[hot] = 9000
    data[missing] = np.nan
    return data


def astropy_masked_keep(cube, stdfunc):
    """Kept samples of astropy's sigma_clip on the masked cube, along the frames."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        clipped = sigma_clip(np.ma.masked_invalid(cube), sigma=3, maxiters=5, cenfunc='median', stdfunc=stdfunc,
                             axis=0, masked=True)
    return ~np.ma.getmaskarray(clipped)


def astropy_pixel_clip(values, stdfunc):
    """The same on one pixel's valid values, with the bounds: (keep, below the centre)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        clipped, lower, upper = sigma_clip(values, sigma=3, maxiters=5, cenfunc='median', stdfunc=stdfunc,
                                           return_bounds=True)
    keep = ~np.ma.getmaskarray(clipped)
    if upper > lower:   # a value on a bound would let float rounding decide (equal bounds: exact)
        for bound in (lower, upper):
            assert np.all(np.abs(values - bound) > 1e-9 * max(1.0, abs(bound))), 'a value sits on a bound'
    return keep, values < lower


def stack(data, decide):
    """Per pixel: decide(valid values) -> (keep, low side); the mean of the kept; rejection totals."""
    result = np.full((HEIGHT, WIDTH), np.nan)
    low_total = high_total = 0
    for row in range(HEIGHT):
        for column in range(WIDTH):
            values = data[:, row, column]
            values = values[~np.isnan(values)]
            if values.size == 0:
                continue
            keep, low_side = decide(values)
            low, high = rejection.counts(values, keep, low_side)
            low_total += low
            high_total += high
            result[row, column] = np.mean(values[keep]) if keep.any() else np.nan
    return result, low_total, high_total


def median_sigma_stack(data):
    result = np.full((HEIGHT, WIDTH), np.nan)
    low_total = high_total = 0
    for row in range(HEIGHT):
        for column in range(WIDTH):
            values = data[:, row, column]
            values = values[~np.isnan(values)]
            if values.size == 0:
                continue
            current, side = rejection.median_sigma(values, 3, 3, 5)
            low_total += int(np.sum(side < 0))
            high_total += int(np.sum(side > 0))
            result[row, column] = np.mean(current)
    return result, low_total, high_total


def nan_sum(data):
    total = np.nansum(data, axis=0)
    total[np.all(np.isnan(data), axis=0)] = np.nan
    return total


def additive_mean(data):
    """normalize_frames: additive, then the mean: each frame shifted by its median's distance from the first's."""
    levels = np.nanmedian(data.reshape(FRAMES, -1), axis=1)
    shifted = data + (levels[0] - levels)[:, None, None]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return np.nanmean(shifted, axis=0)


def methods(data):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')   # all-NaN slices
        plain = [('max', np.nanmax(data, axis=0)), ('min', np.nanmin(data, axis=0)), ('sum', nan_sum(data)),
                 ('mean', np.nanmean(data, axis=0)), ('median', np.nanmedian(data, axis=0))]
    results = [(name, values, 0, 0) for name, values in plain]
    for name, stdfunc in (('sigma_clip', 'std'), ('mad_clip', 'mad_std')):
        result = stack(data, lambda v, f=stdfunc: astropy_pixel_clip(v, f))
        # astropy on the masked cube keeps the same samples as astropy on each pixel's valid values.
        keep_cube = astropy_masked_keep(data, stdfunc)
        for row in range(HEIGHT):
            for column in range(WIDTH):
                values = data[:, row, column]
                valid = ~np.isnan(values)
                if valid.any():
                    keep, _ = astropy_pixel_clip(values[valid], stdfunc)
                    assert np.array_equal(keep_cube[valid, row, column], keep), (name, row, column)
        results.append((name, *result))
    results.append(('winsorized_sigma_clip',
                    *stack(data, lambda v: astropy_pixel_clip(v, rejection.winsorized_spread))))
    results.append(('median_sigma_clip', *median_sigma_stack(data)))
    results.append(('min_max', *stack(data, lambda v: rejection.min_max(v, 1))))
    results.append(('percentile_clip', *stack(data, lambda v: rejection.percentile_clip(v, 0.2, 0.1))))
    results.append(('gesd', *stack(data, lambda v: rejection.gesd(v, 0.05, 0.3))))
    return results


def double_literal(value):
    return 'missing' if np.isnan(value) else repr(float(value))


def print_results(name, data):
    print(f'const std::vector<MissingReference> {name} = {{')
    for method, values, low, high in methods(data):
        print(f'    {{"{method}", {{' + ', '.join(double_literal(v) for v in values.ravel()) + f'}}, {low}, {high}}},')
    print('};')


def main():
    missing = make_mask()
    floats = make_float_data(missing)
    integers = make_integer_data(missing)
    print('// Generated by tests/reference/missing_samples_reference.py (astropy ' + astropy.__version__ +
          ', numpy ' + np.__version__ + '); do not edit: run the script again.')
    print('#pragma once\n\n#include <cstdint>\n#include <limits>\n#include <string>\n#include <vector>\n')
    print('namespace nightstack::testing {\n')
    print('constexpr double missing = std::numeric_limits<double>::quiet_NaN();')
    print(f'constexpr int missing_frames = {FRAMES}, missing_width = {WIDTH}, missing_height = {HEIGHT};')
    print(f'constexpr std::int16_t missing_blank = {BLANK};\n')
    print('// A stacked image (rows top first) and, for the rejection methods, the values rejected low and high.')
    print('struct MissingReference {\n  std::string method;\n  std::vector<double> pixels;\n'
          '  long low = 0, high = 0;\n};\n')
    print('// Frame after frame, rows top first; NaN (float) or missing_blank (integer) where missing.')
    print('const std::vector<std::vector<float>> missing_float_frames = {')
    for frame in floats:
        print('    {' + ', '.join('std::numeric_limits<float>::quiet_NaN()' if np.isnan(v)
                                  else rejection.float_literal(v) for v in frame.ravel()) + '},')
    print('};')
    print('const std::vector<std::vector<std::int16_t>> missing_integer_frames = {')
    for frame in integers:
        print('    {' + ', '.join(str(BLANK) if np.isnan(v) else str(int(v)) for v in frame.ravel()) + '},')
    print('};')
    print('// The number of valid values of each pixel (the coverage map).')
    print('const std::vector<int> missing_coverage = {' +
          ', '.join(str(int(c)) for c in (FRAMES - missing.sum(axis=0)).ravel()) + '};')
    print(f'constexpr long missing_blank_pixels = {int(np.all(missing, axis=0).sum())};')
    print('// normalize_frames: additive, then mean, on the float frames.')
    print('const std::vector<double> missing_float_additive_mean = {' +
          ', '.join(double_literal(v) for v in additive_mean(floats).ravel()) + '};')
    print_results('missing_float_references', floats)
    print_results('missing_integer_references', integers)
    print('\n}  // namespace nightstack::testing')


if __name__ == '__main__':
    main()
