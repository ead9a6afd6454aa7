# Two commands for a new user: `make pack` then `make test`. Both build .venv if it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: pack test venv lint demo-data bench clean

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

lint: $(STAMP)
	$(BIN)/python -m ruff check cpanalysis tests benchmarks

demo-data: $(STAMP)
	$(BIN)/cpanalysis demo-data

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pack.py

clean:
	rm -rf outputs/*/ .pytest_cache
