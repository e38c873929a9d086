# make test: lint, format check, type check and the whole test suite.
# make run: serve the example blog (examples/blog) on http://127.0.0.1:$(PORT).
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed
BLOG_STAMP := $(VENV)/.blog-installed

.PHONY: test lint typecheck pytest run bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	touch $(STAMP)

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP) $(BLOG_STAMP)
	$(BIN)/python -m pytest -q

$(BLOG_STAMP): $(STAMP) examples/blog/pyproject.toml
	$(BIN)/python -m pip install --quiet -e examples/blog
	touch $(BLOG_STAMP)

# The blog creates its database and a session key in examples/blog/instance/ on first start.
run: $(BLOG_STAMP)
	$(BIN)/erlen --app erlen_blog run --host 127.0.0.1 --port $(PORT)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV)
