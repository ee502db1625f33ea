#!/usr/bin/env bash
# The GPU check of issue 19 (tools/README.md): bring the carried wheels, run tools/gpu_check.py.
#
#   bash tools/gpu_check.sh                 # on the GPU machine: results in $OUT
#   bash tools/gpu_check.sh --dry-run       # anywhere: NumPy stands in for CuPy, tiny sizes
#   bash tools/gpu_check.sh --parts tests,methods   # any gpu_check.py option passes through
#
# numsolve is not installed: it is imported from this working tree (PYTHONPATH). The wheels in
# .whl/ (tools/fetch_gpu_wheels.sh; git-ignored, carried with `carry: [".whl"]`) go to a
# private --target folder, without dependencies and without an index. Ends within
# GPU_CHECK_TIMEOUT seconds (default 470); exit status 0 when nothing failed (or no CUDA).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
OUT="${OUT:-$ROOT/gpu_check_out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-/tmp/numsolve_numba_cache}"
SITE="${GPU_CHECK_SITE:-/tmp/numsolve_gpu_site}"
if compgen -G ".whl/*.whl" >/dev/null; then
  if "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
       --target "$SITE" .whl/*.whl >"$OUT/install.log" 2>&1; then
    echo "installed $(ls .whl/*.whl | wc -l) carried wheels into $SITE: $(cd .whl && ls *.whl | tr '\n' ' ')"
  else
    echo "wheel install FAILED (install.log):"; tail -n 5 "$OUT/install.log"
  fi
  export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
else
  echo "no .whl/*.whl here: using the installed packages (tools/fetch_gpu_wheels.sh fetches them)" \
    | tee "$OUT/install.log"
fi
export PYTHONPATH="$ROOT:$PYTHONPATH"  # numsolve from the working tree
LIMIT="${GPU_CHECK_TIMEOUT:-470}"
timeout -k 10 "$LIMIT" "$PY" tools/gpu_check.py --out "$OUT" "$@" 2>&1 | tee "$OUT/check.log"
rc=${PIPESTATUS[0]}
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  echo "gpu_check.py was stopped at $LIMIT s; the items it finished are in $OUT/check.log"
fi
exit "$rc"
