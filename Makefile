# Two commands for a new user: `make pack` then `make test`. Both build .venv if it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: pack test venv lint lab demo-data bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Register this environment's kernel inside the venv so Papermill never picks up another Python.
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cpanalysis)" >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

pack: $(STAMP)
	$(BIN)/cpanalysis pack --params parameters/demo.yml

test: $(STAMP)
	$(BIN)/python -m ruff check cpanalysis tests benchmarks
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

# JupyterLab on notebooks/ with this environment's kernel ("Python 3 (cpanalysis)"). Every topic notebook runs
# there with its defaults (the demonstration council); set params_file in a notebook's first cell for another.
# Extra options: make lab LAB_ARGS="--no-browser --ServerApp.port=8899"
LAB_ARGS ?=
lab: $(STAMP)
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/python -m ruff check cpanalysis tests benchmarks

demo-data: $(STAMP)
	$(BIN)/cpanalysis demo-data

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pack.py
	$(BIN)/python benchmarks/bench_calibration.py --reps 200

clean:
	rm -rf outputs/*/ .pytest_cache
