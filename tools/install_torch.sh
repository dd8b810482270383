#!/usr/bin/env bash
# Installs torch into the venv, pinned, before anything else can pull a multi-GB CUDA build.
# Order: already there -> a local wheel (find-links, no index) -> GPU machine: the default index ->
# no GPU: PyTorch's CPU-only index.
set -euo pipefail
pip=$1; version=$2
"${pip%/pip}/python" -c "import torch" 2>/dev/null && exit 0
"$pip" install -q --no-index "torch==$version" 2>/dev/null && exit 0
if command -v nvidia-smi >/dev/null 2>&1; then
  "$pip" install -q "torch==$version"
else
  "$pip" install -q "torch==$version" --index-url https://download.pytorch.org/whl/cpu
fi
