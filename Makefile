# Backlot: `make demo` runs the example production end to end, `make test` runs the suite on
# Blender 4.5 LTS and 5.2 LTS (pip `bpy` modules in .venv/b45 and .venv/b52).

PY311 ?= python3.11
PY313 ?= env PYENV_VERSION=3.13.0 python3.13
BPY45 ?= bpy==4.5.*
BPY52 ?= bpy==5.2.*
VENVS := .venv/b45 .venv/b52
PYTEST_ARGS ?=

.PHONY: all venv test test-45 test-52 test-slow demo extension wheels clean

all: test

.venv/b45/.installed: tests/requirements.txt
	rm -rf .venv/b45 && $(PY311) -m venv .venv/b45
	.venv/b45/bin/pip install -q '$(BPY45)' -r tests/requirements.txt
	touch $@

.venv/b52/.installed: tests/requirements.txt
	rm -rf .venv/b52 && $(PY313) -m venv .venv/b52
	.venv/b52/bin/pip install -q '$(BPY52)' -r tests/requirements.txt
	touch $@

venv: .venv/b45/.installed .venv/b52/.installed

test: test-45 test-52

test-45: .venv/b45/.installed
	tools/pytest-tier .venv/b45/bin/python -m "not slow" $(PYTEST_ARGS)

test-52: .venv/b52/.installed
	tools/pytest-tier .venv/b52/bin/python -m "not slow" $(PYTEST_ARGS)

test-slow: venv
	tools/pytest-tier .venv/b45/bin/python -m slow $(PYTEST_ARGS)
	tools/pytest-tier .venv/b52/bin/python -m slow $(PYTEST_ARGS)

EXT_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' blender_manifest.toml)

wheels: .venv/b45/.installed
	.venv/b45/bin/python tools/build_extension.py wheels

extension: .venv/b45/.installed .venv/b52/.installed
	.venv/b45/bin/python tools/build_extension.py build
	.venv/b52/bin/python tools/build_extension.py validate dist/backlot-$(EXT_VERSION).zip

DEMO := examples/neon_alley/production.yaml

# The example production end to end, as far as Backlot goes today: validate, report, estimate, build, save.
demo: .venv/b52/.installed
	.venv/b52/bin/python run.py validate $(DEMO)
	.venv/b52/bin/python run.py info $(DEMO)
	.venv/b52/bin/python run.py estimate $(DEMO)
	.venv/b52/bin/python run.py build $(DEMO) --save examples/neon_alley/output/neon_alley.blend

clean:
	rm -rf .venv dist build wheels
