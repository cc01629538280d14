#!/usr/bin/python3
"""scripts/bench --registration: registration + stacking time of nightstack against astroalign
registering alone, on the same frames: the real M27 and M94 Bayer sequences in data/ and a generated
sequence of 16-bit mono frames with known shifts and rotations (written once into --directory).

nightstack runs `stack --register --method mean` from the FITS files: it decodes each frame twice
(first pass and stacking pass), demosaics, detects, matches, warps every channel (lanczos3) and
stacks. astroalign (Beroiz et al., Debian python3-astroalign) is timed on astroalign.register()
calls only, each frame against the first, on 2-D luminance arrays read and prepared beforehand (the
Bayer frames: the mosaic smoothed by [1 2 1]x[1 2 1]/16, the luminance of a bilinear demosaic):
reading, demosaicing and stacking are not counted for it. Wall and CPU seconds of the best of --repeat runs."""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from astropy.io import fits


def generated_frames(directory, count, width, height):
    """Mono 16-bit frames of one star field, each shifted and turned a little (seeded)."""
    target = directory / f"registration-{count}x{width}x{height}"
    if (target / ".complete").exists():
        return sorted(target.glob("*.fits"))
    target.mkdir(parents=True, exist_ok=True)
    random = np.random.default_rng(15)
    stars = 600
    sky_x = random.uniform(-200, width + 200, stars)
    sky_y = random.uniform(-200, height + 200, stars)
    flux = 1.0 / (1 / 800 - random.uniform(0, 1, stars) * (1 / 800 - 1 / 40000))
    rows, columns = np.mgrid[0:height, 0:width]
    paths = []
    for index in range(count):
        angle = np.radians(random.uniform(-1, 1))
        dx, dy = random.uniform(-25, 25, 2)
        cx, cy = width / 2, height / 2
        x = np.cos(angle) * (sky_x - cx) - np.sin(angle) * (sky_y - cy) + cx + dx
        y = np.sin(angle) * (sky_x - cx) + np.cos(angle) * (sky_y - cy) + cy + dy
        image = np.full((height, width), 300.0)
        sigma = 1.4
        for sx, sy, f in zip(x, y, flux):
            if not (-10 < sx < width + 10 and -10 < sy < height + 10):
                continue
            x0, x1 = max(0, int(sx) - 7), min(width, int(sx) + 8)
            y0, y1 = max(0, int(sy) - 7), min(height, int(sy) + 8)
            if x0 >= x1 or y0 >= y1:
                continue
            dxs = columns[y0:y1, x0:x1] - sx
            dys = rows[y0:y1, x0:x1] - sy
            image[y0:y1, x0:x1] += f / (2 * np.pi * sigma**2) * np.exp(-(dxs**2 + dys**2) / (2 * sigma**2))
        image += random.normal(0, 4, image.shape)
        path = target / f"frame_{index:03d}.fits"
        fits.PrimaryHDU(np.clip(np.round(image), 0, 65535).astype(np.uint16)).writeto(path, overwrite=True)
        paths.append(path)
    (target / ".complete").touch()
    return paths


def luminance(path):
    data = fits.getdata(path).astype(np.float64)
    if fits.getheader(path).get("BAYERPAT"):
        padded = np.pad(data, 1, mode="reflect")
        across = padded[:, :-2] + 2 * padded[:, 1:-1] + padded[:, 2:]
        data = (across[:-2, :] + 2 * across[1:-1, :] + across[2:, :]) / 16
    return data


def time_nightstack(nightstack, frames, threads, repeat, scratch):
    best = None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        result = subprocess.run([nightstack, "stack", "--register", "--method", "mean", "--fits",
                                 str(scratch / "registered.fits"), "--report", "none", "--quiet",
                                 "--threads", str(threads)] + [str(f) for f in frames],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            return {"failed": result.stderr.strip().splitlines()[-1][:200]}
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if best is None or wall < best["wall"]:
            best = {"wall": wall, "cpu": cpu}
    return best


def time_astroalign(frames, repeat):
    import astroalign
    images = [luminance(f) for f in frames]
    best, failures = None, 0
    for _ in range(repeat):
        failures = 0
        start, start_cpu = time.monotonic(), time.process_time()
        for image in images[1:]:
            try:
                astroalign.register(image, images[0])
            except Exception:  # astroalign raises MaxIterError and others on frames it cannot match
                failures += 1
        wall, cpu = time.monotonic() - start, time.process_time() - start_cpu
        if best is None or wall < best["wall"]:
            best = {"wall": wall, "cpu": cpu}
    return {**best, "failed_frames": failures}


def time_astroalign_pipeline(frames, repeat, scratch):
    """The nearest astroalign pipeline to nightstack's job: read every FITS, make its luminance,
    register it (find_transform + apply_transform, one plane where nightstack warps three), mean-stack
    and write a FITS. A lower bound of what a user's script costs."""
    import astroalign
    best = None
    for _ in range(repeat):
        start, start_cpu = time.monotonic(), time.process_time()
        images = [luminance(f) for f in frames]
        total, count = images[0].copy(), 1
        for image in images[1:]:
            try:
                registered, _ = astroalign.register(image, images[0])
                total += registered
                count += 1
            except Exception:
                pass
        fits.PrimaryHDU((total / count).astype(np.float32)).writeto(scratch / "astroalign.fits", overwrite=True)
        wall, cpu = time.monotonic() - start, time.process_time() - start_cpu
        if best is None or wall < best["wall"]:
            best = {"wall": wall, "cpu": cpu}
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nightstack", default="build/nightstack")
    parser.add_argument("--directory", type=Path, default=Path("/tmp/nightstack-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generated", type=int, default=10, help="generated frames (0: none)")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    arguments.directory.mkdir(parents=True, exist_ok=True)
    sets = [("M27 (3 x 1304x976 Bayer)", sorted(Path("data/m27-bayer-fits").glob("*.fits"))),
            ("M94 (3 x 1080x1920 Bayer)", sorted(Path("data/m94-seestar-bayer-fits").glob("*.fit")))]
    if arguments.generated:
        sets.append((f"generated ({arguments.generated} x 1600x1200 mono)",
                     generated_frames(arguments.directory, arguments.generated, 1600, 1200)))
    try:
        import astroalign  # noqa: F401
        have_astroalign = True
    except ImportError:
        have_astroalign = False
    rows = []
    print("wall/CPU seconds, best of", arguments.repeat, "(the machine may be shared: CPU seconds are steadier)")
    print("astroalign: register() calls only; astroalign+: reading, luminance, register, mean, FITS written")
    print(f"{'frames':32} {'nightstack -j1':>15} {'nightstack -j2':>15} {'astroalign':>15} {'astroalign+':>15}"
          "  CPU ratio astroalign / nightstack -j1")
    for name, frames in sets:
        row = {"frames": name, "count": len(frames)}
        row["nightstack_1"] = time_nightstack(arguments.nightstack, frames, 1, arguments.repeat, arguments.directory)
        row["nightstack_2"] = time_nightstack(arguments.nightstack, frames, 2, arguments.repeat, arguments.directory)
        row["astroalign"] = time_astroalign(frames, arguments.repeat) if have_astroalign else {"skipped": "not installed"}
        row["astroalign_pipeline"] = (time_astroalign_pipeline(frames, arguments.repeat, arguments.directory)
                                      if have_astroalign else {"skipped": "not installed"})

        def shown(entry):
            if "wall" in entry:
                return f"{entry['wall']:.2f}/{entry['cpu']:.2f} s"
            return entry.get("failed", entry.get("skipped", "?"))[:12]
        ratio = ""
        if "wall" in row["astroalign"] and "wall" in row["nightstack_1"]:
            ratio = (f"{row['astroalign']['cpu'] / row['nightstack_1']['cpu']:.2f}x, "
                     f"astroalign+ {row['astroalign_pipeline']['cpu'] / row['nightstack_1']['cpu']:.2f}x")
            if row["astroalign"]["failed_frames"]:
                ratio += f" (astroalign failed on {row['astroalign']['failed_frames']} frames)"
        print(f"{name:32} {shown(row['nightstack_1']):>15} {shown(row['nightstack_2']):>15} "
              f"{shown(row['astroalign']):>15} {shown(row['astroalign_pipeline']):>15}  {ratio}")
        rows.append(row)
    if arguments.json:
        arguments.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
