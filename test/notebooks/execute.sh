#!/usr/bin/env bash
# Executes every notebook headlessly with the tslab kernel, exports each to HTML and opens the
# pages in headless Chromium (browser-check.ts). A cell error fails the script.
#
# Fresh runs (PARAMDIFF_RUN=1: every section trains and evaluates, not only the committed results),
# small by default (PARAMDIFF_PRESET=smoke, K ∈ {1, 10, 20}); set PARAMDIFF_PRESET / PARAMDIFF_KS /
# PARAMDIFF_SEED to run bigger. Executed notebooks, HTML pages, screenshots and the runs' files go
# to build/notebooks/. Needs a Python with nbconvert and ipykernel (JUPYTER_PYTHON, default
# /usr/bin/python3: Debian's jupyter-nbconvert and python3-ipykernel) and Chromium (CHROMIUM,
# default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${JUPYTER_PYTHON:-/usr/bin/python3}
OUT=build/notebooks
export PARAMDIFF_RUN=1
export PARAMDIFF_PRESET=${PARAMDIFF_PRESET:-smoke}
export PARAMDIFF_KS=${PARAMDIFF_KS:-1,10,20}
export PARAMDIFF_SEED=${PARAMDIFF_SEED:-0}
export PARAMDIFF_OUT=${PARAMDIFF_OUT:-$PWD/$OUT/runs}
mkdir -p "$OUT"

source test/notebooks/kernel.sh

echo "notebooks: preset $PARAMDIFF_PRESET, K values $PARAMDIFF_KS, seed $PARAMDIFF_SEED"
for notebook in notebooks/*.ipynb; do
  name=$(basename "$notebook" .ipynb)
  started=$(date +%s)
  "$PYTHON" -m jupyter nbconvert --log-level WARN --to notebook --execute \
    --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout=3600 --output-dir "$OUT" "$notebook"
  "$PYTHON" -m jupyter nbconvert --log-level WARN --to html --output-dir "$OUT" "$OUT/$name.ipynb"
  echo "$notebook: executed and exported in $(( $(date +%s) - started )) s -> $OUT/$name.html"
done

npx --no-install tsx test/notebooks/browser-check.ts "$OUT"/*.html
