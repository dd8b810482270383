#!/usr/bin/env bash
# Installs torch into the venv, pinned, before anything else can pull a multi-GB CUDA build.
# Order: already there -> a wheel already on this machine (pip's find-links; its deps from the index) ->
# GPU machine: the default index -> no GPU: PyTorch's CPU-only index.
set -euo pipefail
pip=$1; version=$2
"${pip%/pip}/python" -c "import torch" 2>/dev/null && exit 0
local_wheel=$(mktemp -d); trap 'rm -rf "$local_wheel"' EXIT
if "$pip" download -q --no-index --no-deps "torch==$version" -d "$local_wheel" >/dev/null 2>&1; then
  "$pip" install -q "$local_wheel"/torch-*.whl
elif command -v nvidia-smi >/dev/null 2>&1; then
  "$pip" install -q "torch==$version"
else
  "$pip" install -q "torch==$version" --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple
fi
