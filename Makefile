# Two commands for a new user: `make pack` then `make test`. Both build .venv if it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: pack test venv lint lab demo-data bench clean git-filters

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Register this environment's kernel inside the venv so Papermill never picks up another Python.
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cpanalysis)" >/dev/null
	@$(MAKE) -s git-filters
	@touch $(STAMP)

venv: $(STAMP)

# Notebooks reach git without outputs, execution counts or the kernel's language_info: nbstripout as a git
# filter (clean) on the notebooks named in .gitattributes. Installed in this clone's git config by `make`; does
# nothing outside a git clone (a downloaded archive). Check it with: $(BIN)/nbstripout --status
NBSTRIPOUT_EXTRA_KEYS := metadata.language_info
# Cell ids are kept (--keep-id): JupyterLab keeps them on save, and the pack merges notebooks whose ids must differ.
NBSTRIPOUT := "$(abspath $(BIN))/python" -m nbstripout --keep-id
git-filters:
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  $(BIN)/nbstripout --install --attributes .gitattributes && \
	  git config filter.nbstripout.clean '$(NBSTRIPOUT)' && \
	  git config diff.ipynb.textconv '$(NBSTRIPOUT) -t' && \
	  git config filter.nbstripout.extrakeys "$(NBSTRIPOUT_EXTRA_KEYS)"; \
	fi

pack: $(STAMP)
	$(BIN)/cpanalysis pack --params parameters/demo.yml

test: $(STAMP)
	$(BIN)/python -m ruff check cpanalysis tests benchmarks
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

# JupyterLab at the repository folder, opening on notebooks/ (parameters/ is one level up in the file browser),
# with this environment's kernel ("Python 3 (cpanalysis)"). Every topic notebook runs there with its defaults (the
# demonstration council); set params_file in a notebook's first code cell for another.
# Extra options: make lab LAB_ARGS="--no-browser --ServerApp.port=8899"
LAB_ARGS ?=
lab: $(STAMP)
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/python -m ruff check cpanalysis tests benchmarks

demo-data: $(STAMP)
	$(BIN)/cpanalysis demo-data

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pack.py
	$(BIN)/python benchmarks/bench_calibration.py --reps 200

clean:
	rm -rf outputs/*/ .pytest_cache
