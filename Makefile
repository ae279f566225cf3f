# Two commands do everything on a fresh clone: `make run` and `make test`.
# The interpreter .venv is made from: Debian's own python3.11 where it can make a venv, else
# python3 from PATH; `make install PYTHON=...` chooses another. Debian builds its Python with
# profile-guided and link-time optimisation into a static executable; the pyenv build first on
# PATH on these machines has neither and loads libpython as a shared library. Same Python 3.11,
# same code: warm pages took 5-20% less time on Debian's (docs/scaling-history.md, twelfth session).
PYTHON ?= $(shell /usr/bin/python3.11 -c "import ensurepip, venv" >/dev/null 2>&1 \
	&& echo /usr/bin/python3.11 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install setup lint format fixtures bench bench-smoke clean \
	bench-postgres-memory bench-postgres-defaults

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The bench extra too: the corpus generator's tests need wordfreq and must run, not skip.
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddata archive

run: setup
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

fixtures: install
	$(PY) manage.py build_fixtures

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Scale benchmark (issue: Scale): PostgreSQL database parley_bench, SQLite and Datasette under
# bench/out/. `make bench` is the full run (1M quotes, long); `make bench-smoke` takes minutes.
BENCH_ARGS ?= --quotes 1000000 --sqlite-quotes 100000 --results bench/RESULTS.md
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

bench-smoke: install
	$(PY) bench/run.py --smoke

# The local PostgreSQL server with a production server's memory (25 % of RAM in huge pages,
# the benchmark's tables prewarmed), and back to the distribution's defaults: needs root and
# restarts the server. bench/postgres_memory.py says why; reset when done.
bench-postgres-memory: install
	$(PY) bench/postgres_memory.py apply

bench-postgres-defaults: install
	$(PY) bench/postgres_memory.py reset
