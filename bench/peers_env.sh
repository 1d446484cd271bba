#!/usr/bin/env bash
# Create the benchmark-only environment holding credo's peers (optbinning, toad,
# scorecardpy, LightGBM). Kept apart from .venv on purpose: the peers need
# pandas < 3 (scorecardpy) and must never leak into credo's own dependencies.
# Idempotent: re-running with the same pins does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=".venv-peers"
PINS=(
    "numpy==2.3.5"          # the newest numpy that pandas 2.3.3 was built and tested for
    "pandas==2.3.3"         # scorecardpy breaks on pandas 3
    "scikit-learn==1.7.2"
    "pyarrow==26.0.1"       # reads the shared Parquet cache
    "optbinning==1.0.0"
    "toad==0.1.7"
    "scorecardpy==0.1.9.7"
    "lightgbm==4.7.0"
)
STAMP="$VENV/.installed"
WANT="$(printf '%s\n' "${PINS[@]}" | sed 's/ *#.*//')"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "peers environment up to date: $VENV"
    exit 0
fi

[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
# shellcheck disable=SC2086
"$VENV/bin/pip" install --quiet $WANT
# Prove the four libraries import side by side before declaring success.
"$VENV/bin/python" -c "import optbinning, toad, scorecardpy, lightgbm, pandas, sklearn; \
print('peers ok: pandas', pandas.__version__, 'sklearn', sklearn.__version__)"
echo "$WANT" > "$STAMP"
