#!/usr/bin/env bash
# Download, into .whl/ (git-ignored), the wheels that the GPU machine lacks for numsolve and its
# test suite: the device image (/work/.library/device/KINDS.md) has Python 3.12, NumPy, SciPy,
# Numba, threadpoolctl, pytest, pytest-timeout, hypothesis and cupy-cuda13x, but no
# array-api-compat (a required dependency of numsolve) and no array-api-strict (the test
# fixtures' stand-in namespace). threadpoolctl is carried too (required by numsolve; a known
# version beats relying on the image). Pure-Python wheels; the platform flags are those of the
# device README's pip download command (CPython 3.12, manylinux x86_64).
#
#   bash tools/fetch_gpu_wheels.sh     # then: run(..., carry=[".whl"]) and tools/gpu_check.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
WHEELS=(array-api-compat==1.16.0 array-api-strict==2.6.1 threadpoolctl==3.8.0)
mkdir -p .whl
# one version of each package only: two versions of one name stop the whole install there
for spec in "${WHEELS[@]}"; do
  name="${spec%%==*}"
  rm -f .whl/"${name//-/_}"-*.whl
done
"$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux1_x86_64 -d .whl "${WHEELS[@]}"
"$PY" - <<'PYEOF'
import glob, os, zipfile
total = 0
for path in sorted(glob.glob(".whl/*.whl")):
    size = os.path.getsize(path)
    total += size
    with zipfile.ZipFile(path) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        reqs = [line.split(":", 1)[1].strip() for line in z.read(meta).decode().splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    print(f"{os.path.basename(path):<50} {size / 1024:8.1f} KiB  needs: {', '.join(reqs) or '-'}")
print(f"total {total / 1024:.1f} KiB (the working tree that travels is limited to 64 MiB)")
if total > 32 * 2**20:
    raise SystemExit("the wheels take more than half of the 64 MiB that travels")
PYEOF
