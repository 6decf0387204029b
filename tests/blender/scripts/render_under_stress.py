"""`run.py render` under the conditions the render safety tests need, in its own process:

    python render_under_stress.py [--file-limit BYTES] [--ballast MB] [--rename KIND OLD NEW] -- RUN.PY ARGS

--file-limit caps the size of any file the process writes (RLIMIT_FSIZE): a write past it fails with EFBIG,
as on a full disk. --ballast adds a mesh of that many megabytes to the .blend, so that saving it takes long
enough for a test to kill the process in the middle. --rename gives an output or a shot another name in the
model after validation, as a model that bypassed validation would carry it (KIND: output or shot).
"""

from __future__ import annotations

import argparse
import resource
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
import run  # noqa: E402


def rename_in_model(kind: str, old: str, new: str) -> None:
    """Wrap the spec loading of the render so the validated model carries the hostile name."""
    from backlot.pipeline import steps

    load = steps.load_production

    def hostile(*args: Any, **kwargs: Any) -> Any:
        result = load(*args, **kwargs)
        production = result.production
        assert production is not None, "the spec to rename in must be valid"
        if kind == "output":
            outputs = tuple(replace(o, name=new) if o.name == old else o for o in production.outputs)
            result.production = replace(production, outputs=outputs)
        else:
            shots = tuple(replace(s, id=new) if s.id == old else s for s in production.shots)
            result.production = replace(production, shots=shots)
        return result

    steps.load_production = hostile


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file-limit", metavar="BYTES")
    parser.add_argument("--ballast", metavar="MB")
    parser.add_argument("--rename", nargs=3, metavar=("KIND", "OLD", "NEW"))
    parser.add_argument("arguments", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    run.import_package()
    if options.rename:
        rename_in_model(*options.rename)
    if options.ballast:
        import bpy
        import numpy as np

        vertices = int(options.ballast) * 1_000_000 // 12  # three random floats each: nothing to compress
        mesh = bpy.data.meshes.new("ballast")
        mesh.vertices.add(vertices)
        mesh.vertices.foreach_set("co", np.random.default_rng(1).random(3 * vertices, np.float32))
        mesh.use_fake_user = True
    if options.file_limit:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (Python ignores it too)
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(options.file_limit), int(options.file_limit)))
    sys.argv = [str(ROOT / "run.py"), *options.arguments[1:]]  # [0] is the `--`
    return run.guarded(run.main, sys.argv[1:])


if __name__ == "__main__":
    run.exit_without_hang(main())
