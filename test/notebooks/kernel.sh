# Sourced by the notebook scripts: builds the compiled library the notebooks import and registers the
# tslab kernel into .jupyter/ of this checkout (kernel.json holds the absolute path of its tslab).
# Needs PYTHON: a Python with nbconvert and ipykernel (Debian's jupyter-nbconvert, python3-ipykernel).
npm run --silent build
npm run --silent kernel -- --python "$PYTHON" --prefix "$PWD/.jupyter" >/dev/null
export JUPYTER_PATH="$PWD/.jupyter/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
