#!/usr/bin/env bash
# `npm run notebooks:commit`: executes every notebook in place as it is committed, so that it opens
# with its results where nothing runs (JupyterLab untrusted, a code host's viewer, HTML without
# JavaScript). The paper notebooks show the committed results/ and train nothing (PARAMDIFF_RUN
# unset); the latent explorer trains its quick pipeline (it has no committed results). Figures are
# static SVGs drawn by headless Chromium, and plotly.js is not inlined (PARAMDIFF_FIGURES=static),
# which keeps each notebook small. Needs what test/notebooks/execute.sh needs.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${JUPYTER_PYTHON:-/usr/bin/python3}
unset PARAMDIFF_RUN PARAMDIFF_PRESET PARAMDIFF_OUT PARAMDIFF_SEED
export PARAMDIFF_FIGURES=static
source test/notebooks/kernel.sh

for notebook in notebooks/${1:-*}.ipynb; do
  started=$(date +%s)
  "$PYTHON" -m jupyter nbconvert --log-level WARN --to notebook --execute --inplace \
    --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.record_timing=False "$notebook"
  echo "$notebook: executed in $(( $(date +%s) - started )) s, $(( $(stat -c %s "$notebook") / 1024 )) KiB"
done
