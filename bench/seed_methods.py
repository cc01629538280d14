#!/usr/bin/python3
"""The two obvious Python reference methods scripts/bench compares against (the issue's "seed's two
Python methods"; the project has no seed code, so these are written here): a per-pixel max of the
8-bit codes, and a linear-light mean (sRGB curve undone per frame in float64), with Debian's
python3-pil and python3-numpy, one frame at a time.

    seed_methods.py max|mean OUTPUT.npy FRAME..."""

import sys

import numpy
from PIL import Image


def srgb_to_linear(codes):
    encoded = codes.astype(numpy.float64) / 255.0
    return numpy.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)


def main():
    method, output, frames = sys.argv[1], sys.argv[2], sys.argv[3:]
    result = None
    for path in frames:
        with Image.open(path) as image:
            codes = numpy.asarray(image.convert("RGB"))
        if method == "max":
            result = codes.copy() if result is None else numpy.maximum(result, codes)
        else:
            linear = srgb_to_linear(codes)
            result = linear if result is None else result + linear
    if method == "mean":
        result /= len(frames)
    else:
        result = srgb_to_linear(result)
    numpy.save(output, result)


if __name__ == "__main__":
    main()
