#!/usr/bin/env python3
"""The shard and MPI measurement of docs/cluster.md.

Frames from bench/generate_frames (16-bit colour FITS; build with -DNIGHTSTACK_BENCH=ON), stacked
with max and mean (split by frames) and median and sigma_clip (split by rows, each shard reading its
band): one process with 1 and 2 threads, `mpirun -np 2` and `-np 3` (1 thread per rank), and 3
shards run one after the other then merged. For each: wall and CPU seconds and, for single
processes, the bytes the process read (rchar of /proc/PID/io: what it asked of the file system,
page cache hits included); the merged outputs are compared byte for byte with one process's.

    bench/cluster_scaling.py [DIRECTORY] [--frames N] [--width W] [--height H]
"""
import argparse
import filecmp
import os
import pathlib
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NIGHTSTACK = ROOT / "build" / "nightstack"
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe"]


def measure(command):
    """Runs command; returns (wall, cpu, bytes read) with rchar read from the zombie before reaping."""
    start = time.monotonic()
    child = os.fork()
    if child == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.execvp(command[0], command)
    os.waitid(os.P_PID, child, os.WEXITED | os.WNOWAIT)
    wall = time.monotonic() - start
    read = 0
    with open(f"/proc/{child}/io") as io:
        for line in io:
            if line.startswith("rchar:"):
                read = int(line.split()[1])
    _, status, usage = os.wait4(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return wall, usage.ru_utime + usage.ru_stime, read


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", nargs="?", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                                     "nightstack-cluster"))
    parser.add_argument("--frames", type=int, default=36)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1200)
    arguments = parser.parse_args()
    directory = pathlib.Path(arguments.directory)
    frames = directory / "frames"
    if not (frames / ".complete").exists():
        subprocess.run([str(ROOT / "build" / "generate_frames"), str(frames), "fits", str(arguments.frames),
                        str(arguments.width), str(arguments.height)], check=True, stdout=subprocess.DEVNULL)
        (frames / ".complete").touch()
    frame_bytes = sum(path.stat().st_size for path in frames.glob("*.fits"))
    print(f"{arguments.frames} frames of {arguments.width}x{arguments.height}x3, 16-bit FITS, "
          f"{frame_bytes / 2**20:.0f} MiB in all")
    for method in ["max", "mean", "median", "sigma_clip"]:
        out = directory / "out"
        out.mkdir(exist_ok=True)
        config = directory / f"{method}.yaml"
        with open(config, "w") as file:
            subprocess.run([str(NIGHTSTACK), "stack", "--method", method, "--fits", str(out / f"{method}.fits"),
                            str(frames), "--print-config"], check=True, stdout=file)
        reference = directory / f"{method}-one.fits"
        run = [str(NIGHTSTACK), "run", str(config), "--quiet", "--report", "none"]
        for threads in ["1", "2"]:
            wall, cpu, read = measure(run + ["--threads", threads])
            print(f"{method:10s} one process, {threads} thread(s)   wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                  f"read {read / 2**20:7.0f} MiB")
        os.replace(out / f"{method}.fits", reference)
        for ranks in [2, 3]:
            wall, cpu, _ = measure(MPIRUN + ["-np", str(ranks), str(NIGHTSTACK)] + run[1:] + ["--threads", "1"])
            same = filecmp.cmp(out / f"{method}.fits", reference, shallow=False)
            print(f"{method:10s} mpirun -np {ranks}, 1 thread each  wall {wall:6.2f} s  "
                  f"(cpu of the ranks not counted)  same bytes: {same}")
        partials = []
        for shard in range(3):
            partial = directory / f"{method}-{shard}.partial"
            wall, cpu, read = measure(run + ["--threads", "1", "--shard", f"{shard}/3", "--partial",
                                                 str(partial)])
            partials.append(partial)
            print(f"{method:10s} shard {shard}/3, 1 thread        wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                  f"read {read / 2**20:7.0f} MiB  partial {partial.stat().st_size / 2**20:6.1f} MiB")
        wall, cpu, read = measure([str(NIGHTSTACK), "merge", str(config), "--quiet", "--report", "none",
                                   "--threads", "1"] + [str(p) for p in reversed(partials)])
        same = filecmp.cmp(out / f"{method}.fits", reference, shallow=False)
        print(f"{method:10s} merge of 3 partials          wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
              f"read {read / 2**20:7.0f} MiB  same bytes: {same}")
        for partial in partials:
            partial.unlink()


if __name__ == "__main__":
    main()
