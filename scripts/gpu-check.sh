#!/usr/bin/env bash
# The GPU path's checks (`prefstack value --method mc --engine gpu`), on a machine with an NVIDIA GPU
# and CuPy, from a checkout (no install needed: src/ is put on the path). Writes its figures to the
# folder given (default gpu-check/) and prints them:
#   tests.txt       tests/kernels/test_valuation_gpu.py: the kernels on the GPU against their CPU build
#   bench.txt       benchmarks/valuation.py: the GPU path's value and time beside the CPU path's
#   profile.txt     where a GPU run's time goes (host and GPU time of its parts)
#   value-*.json    the Series F share of the example ledger, 1,000,000 paths, with its Greeks, on the GPU
#                   and on the CPU
#   summary.txt     the two runs of `value` side by side
set -uo pipefail
out=${1:-gpu-check}
mkdir -p "$out"
py=${PYTHON:-python3}
export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
status=0
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
$py -c 'import cupy, numpy, sys; print("python", sys.version.split()[0], "cupy", cupy.__version__, "numpy", numpy.__version__)' \
  | tee -a "$out/gpu.txt"
$py -m pytest -q -p no:cacheprovider --noconftest tests/kernels/test_valuation_gpu.py 2>&1 | tee "$out/tests.txt" || status=1
$py -m benchmarks.valuation 2>&1 | tee "$out/bench.txt" || status=1
# where a GPU run's time goes: each part's time on the host (launching) and on the GPU (CUDA events),
# the pilot run on several numbers of summing threads
$py - 2>&1 <<'PY' | tee "$out/profile.txt" || status=1
import numpy as np
import cupy
from cupyx.profiler import benchmark
from benchmarks.valuation import PATHS, five_year_market, five_year_share
from prefstack.kernels.gpu import CupyDevice, kernel_pilot, kernel_runner
from prefstack.kernels.valuation import CHUNK_PAIRS, chunked_monte_carlo
share, quarters = five_year_share()
market = five_year_market()
device = CupyDevice(cupy)
pairs = PATHS // 2
children = np.random.SeedSequence(1).spawn(-(-pairs // CHUNK_PAIRS) + 1)
chunks = [(min(CHUNK_PAIRS, pairs - c * CHUNK_PAIRS), children[c + 1]) for c in range(len(children) - 1)]
runner, pilot = kernel_runner(device), kernel_pilot(device)
policy = pilot(share, market, quarters, CHUNK_PAIRS, children[0])
def show(name, result):
    cpu, gpu = result.cpu_times * 1e3, result.gpu_times[0] * 1e3
    print(f"{name}: host {np.median(cpu):.3f} ms, GPU {np.median(gpu):.3f} ms (medians of {len(cpu)})")
show("whole run", benchmark(lambda: chunked_monte_carlo(share, market, quarters, pairs, 1, runner, pilot=pilot), n_repeat=30, n_warmup=3))
show("chunks", benchmark(lambda: runner(share, market, quarters, chunks, policy), n_repeat=30, n_warmup=3))
for threads in (8_192, 32_768, 131_072):
    p = kernel_pilot(device, threads)
    assert p(share, market, quarters, CHUNK_PAIRS, children[0]) == policy or threads != 32_768
    show(f"pilot run, {threads:,} summing threads", benchmark(lambda: p(share, market, quarters, CHUNK_PAIRS, children[0]), n_repeat=30, n_warmup=3))
show("spawn and keys of 8 chunks", benchmark(lambda: [c.generate_state(2, np.uint64) for c in np.random.SeedSequence(1).spawn(9)], n_repeat=30, n_warmup=3))
# one date of the pilot run on the GPU (CUDA events around one launch), and a launch's cost on the host
from prefstack.kernels import gpu as kernels
record = []
launch = device.launch
def timed(name, threads, *args):
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    cupy.cuda.Device().synchronize()
    start.record()
    launch(name, threads, *args)
    stop.record()
    stop.synchronize()
    record.append((name, cupy.cuda.get_elapsed_time(start, stop)))
device.launch = timed
for _ in range(3):
    record.clear()
    pilot(share, market, quarters, CHUNK_PAIRS, children[0])
dates = [ms for name, ms in record if name == "ps_pilot_date"]
paths_ms = [ms for name, ms in record if name == "ps_pilot_paths"]
print(f"pilot run on the GPU alone: paths {paths_ms[0] * 1e3:.0f} us, a date {np.median(dates) * 1e3:.0f} us (median of {len(dates)}; "
      f"min {min(dates) * 1e3:.0f}, max {max(dates) * 1e3:.0f}), all dates {sum(dates) * 1e3:.0f} us")
device.launch = launch
import time
empty = cupy.empty(0, dtype=cupy.uint64)
for _ in range(100):
    device.launch("ps_philox_words", 1, np.uint64(1), np.uint64(2), np.int64(0), empty, empty)
cupy.cuda.Device().synchronize()
started = time.perf_counter()
for _ in range(1000):
    device.launch("ps_philox_words", 1, np.uint64(1), np.uint64(2), np.int64(0), empty, empty)
host = (time.perf_counter() - started) / 1000
cupy.cuda.Device().synchronize()
print(f"a launch of a kernel of 5 arguments that does nothing: {host * 1e6:.1f} us on the host")
PY
for engine in gpu local; do
  $py - "$engine" "$out" <<'PY' || status=1
import sys, time, contextlib, io
from prefstack.launch import main
engine, out = sys.argv[1], sys.argv[2]
sys.argv = ["prefstack", "value", "--series", "F", "--on", "2002-06-30", "--ledger",
            "src/prefstack/data/example_ledger.yaml", "--rate", "0.05", "--paths", "1000000", "--seed", "7",
            "--engine", engine, "--greeks", "--format", "json"]
started = time.perf_counter()
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    try:
        main()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
open(f"{out}/value-{engine}.json", "w").write(buffer.getvalue())
print(f"value --engine {engine}: {time.perf_counter() - started:.2f} s (the whole command, in this process)")
PY
done
$py - "$out" <<'PY' | tee "$out/summary.txt" || status=1
import json, math, sys
out = sys.argv[1]
gpu, cpu = (json.load(open(f"{out}/value-{e}.json")) for e in ("gpu", "local"))
for name, run in (("gpu", gpu), ("local", cpu)):
    print(name, run["engine"], run["value_per_share"], "+-", run["standard_error"], run["ci95"], run["greeks"])
apart = abs(gpu["value_per_share"] - cpu["value_per_share"]) / math.hypot(gpu["standard_error"], cpu["standard_error"])
print(f"apart: {apart:.2f} combined standard errors")
PY
exit $status
