# make test: lint, format check, type check, the whole test suite, Flask's and extensions' test
# suites run on erlen (make compat) and the docs site.
# make docs: build the documentation site into build/site (--strict: a broken link fails).
# make run: serve the example blog (examples/blog) on http://127.0.0.1:$(PORT).
# Both create .venv and install what they need on first use: make run only erlen, its server
# extra and the blog; make test everything the checks need (lint, types, browsers, docs).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.run-installed
BLOG_STAMP := $(VENV)/.blog-installed

.PHONY: test lint typecheck pytest compat docs run bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	touch $(STAMP) $(RUN_STAMP)

# What serving the blog needs, and no more: erlen with uvicorn, and the blog.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[server]'
	touch $(RUN_STAMP)

test: lint typecheck pytest compat docs

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples docs/hooks.py
	$(BIN)/ruff format --check src tests benchmarks examples docs/hooks.py

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP) $(BLOG_STAMP)
	$(BIN)/python -m pytest -q

# Flask 3.1.3's own test suite and those of Flask-Login, Flask-SQLAlchemy and Flask-WTF, from
# their sdists (downloaded into build/compat, never committed), each run on Flask and on erlen;
# fails below 95% or when tests/compat/known_failures.txt is out of date.
compat: $(STAMP)
	$(BIN)/python tests/compat/run.py

# NO_MKDOCS_2_WARNING: mkdocs-material prints a notice about its future on every build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

$(BLOG_STAMP): $(RUN_STAMP) examples/blog/pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e examples/blog
	touch $(BLOG_STAMP)

# The blog creates its database and a session key in examples/blog/instance/ on first start.
run: $(BLOG_STAMP)
	$(BIN)/erlen --app erlen_blog run --host 127.0.0.1 --port $(PORT)

# make bench: in process, then end to end (docs/benchmarks.md). The end-to-end part drives the
# servers with wrk: installed with apt-get when it is missing and we are root; else say how.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && apt-get install -y -qq wrk; \
		else \
			echo "wrk is missing: sudo apt-get install wrk (or your system's package)," \
				"or run one in-process part: $(BIN)/python benchmarks/run.py --only wsgi|asgi|routing"; \
			exit 1; \
		fi; \
	}
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV)
