"""Package Backlot as a Blender extension zip with Blender's own builder and validator.

    python tools/build_extension.py wheels             # fetch the wheels the manifest lists into wheels/
    python tools/build_extension.py build [--output-dir DIR]   # wheels, then dist/backlot-<version>.zip
    python tools/build_extension.py validate ZIP       # Blender's validator on a built zip

Run it with a Python that has the pip ``bpy`` module (``.venv/b45`` or ``.venv/b52``): the builder and the
validator are ``blender_ext.py`` from Blender's bundled ``bl_pkg`` add-on, the code behind
``blender --command extension build|validate``. Loading that file does not start Blender.

``blender_manifest.toml`` is the one list of bundled wheels; this script derives the ``pip download``
arguments from the file names and refuses to build unless the list covers every declared platform for every
supported Python, with one version of each distribution.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_PATH = ROOT / "blender_manifest.toml"

# Blender 4.5 LTS embeds Python 3.11, Blender 5.x embeds Python 3.13.
SUPPORTED_PYTHONS: tuple[tuple[int, int], ...] = ((3, 11), (3, 13))


class PackagingError(Exception):
    """A problem the user must fix before the extension can be packaged; the message says which."""


@dataclass(frozen=True)
class Wheel:
    """One wheel the manifest lists, with the tags ``pip download`` needs to fetch exactly that file."""

    manifest_path: str
    filename: str
    distribution: str
    version: str
    python_tag: str
    abi_tag: str
    platform_tags: tuple[str, ...]

    @classmethod
    def from_manifest_path(cls, manifest_path: str) -> Wheel:
        filename = Path(manifest_path).name
        parts = filename.removesuffix(".whl").split("-")
        if not filename.endswith(".whl") or len(parts) != 5:
            raise PackagingError(
                f"blender_manifest.toml: wheel {manifest_path!r} is not named "
                "'<name>-<version>-<python>-<abi>-<platform>.whl' (build tags are not supported)"
            )
        distribution, version, python_tag, abi_tag, platform = parts
        platform_tags = tuple(platform.split("."))
        return cls(manifest_path, filename, distribution, version, python_tag, abi_tag, platform_tags)

    @property
    def python_version(self) -> str:
        """``cp311`` -> ``3.11``, the form ``pip download --python-version`` takes."""
        digits = self.python_tag.removeprefix("cp")
        return f"{digits[0]}.{digits[1:]}"


def load_manifest() -> dict[str, Any]:
    with MANIFEST_PATH.open("rb") as manifest_file:
        return tomllib.load(manifest_file)


def manifest_wheels(manifest: dict[str, Any]) -> list[Wheel]:
    return [Wheel.from_manifest_path(path) for path in manifest.get("wheels", [])]


def find_blender_ext() -> ModuleType:
    """Load ``blender_ext.py`` from the installed pip ``bpy`` without importing (starting) Blender itself."""
    bpy_spec = importlib.util.find_spec("bpy")
    if bpy_spec is None or not bpy_spec.submodule_search_locations:
        raise PackagingError(
            f"{sys.executable} has no pip 'bpy' module, which carries Blender's extension builder; "
            "run this script with .venv/b45/bin/python or .venv/b52/bin/python (`make venv`)"
        )
    bpy_dir = Path(next(iter(bpy_spec.submodule_search_locations)))
    candidates = sorted(bpy_dir.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if len(candidates) != 1:
        raise PackagingError(f"expected one bl_pkg/cli/blender_ext.py in {bpy_dir}, found {len(candidates)}")
    module_spec = importlib.util.spec_from_file_location("backlot_blender_ext", candidates[0])
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    # Same valid-tags list `blender --command extension` uses (see bl_pkg/bl_extension_cli.py).
    tags_path = candidates[0].parents[3] / "modules" / "_bpy_internal" / "extensions" / "tags.py"
    module.ARG_DEFAULTS_OVERRIDE.build_valid_tags = str(tags_path)
    return module


def check_wheel_coverage(manifest: dict[str, Any], blender_ext: ModuleType) -> list[Wheel]:
    """Fail unless the wheels give exactly one file per declared platform and supported Python."""
    wheels = manifest_wheels(manifest)
    platforms = manifest.get("platforms", [])
    if not wheels or not platforms:
        raise PackagingError("blender_manifest.toml must declare both 'platforms' and 'wheels'")

    problems: list[str] = []
    versions = {(wheel.distribution.lower(), wheel.version) for wheel in wheels}
    distributions = Counter(name for name, _ in versions)
    problems += [
        f"{name} is listed in more than one version" for name, count in distributions.items() if count > 1
    ]

    covered: Counter[tuple[str, str, tuple[int, int]]] = Counter()
    for wheel in wheels:
        pythons = blender_ext.python_versions_from_wheel(wheel.filename)
        if isinstance(pythons, str):
            problems.append(f"{wheel.filename}: {pythons}")
            continue
        wheel_platforms = {
            blender_platform
            for tag in wheel.platform_tags
            for blender_platform in blender_ext.blender_platforms_from_wheel_platform(tag)
        }
        if not wheel_platforms & set(platforms) or not set(pythons) & set(SUPPORTED_PYTHONS):
            problems.append(f"{wheel.filename} serves no declared platform and supported Python")
        for blender_platform in wheel_platforms:
            for python in pythons:
                covered[(wheel.distribution.lower(), blender_platform, python)] += 1

    for name in distributions:
        for platform in platforms:
            for python in SUPPORTED_PYTHONS:
                if (count := covered[(name, platform, python)]) != 1:
                    problems.append(
                        f"{name}: {count} wheels for {platform} / Python {python[0]}.{python[1]}, expected 1"
                    )
    if problems:
        raise PackagingError("blender_manifest.toml wheels:\n  " + "\n  ".join(problems))
    return wheels


def wheel_is_intact(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return archive.testzip() is None


def fetch_wheels(wheels: list[Wheel]) -> None:
    """Download the listed wheels that are not cached yet; ``wheels/`` is a git-ignored cache."""
    for wheel in wheels:
        target = ROOT / wheel.manifest_path
        if target.exists() and wheel_is_intact(target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Download beside the cache and move in atomically, so a parallel or interrupted run never leaves
        # a partial file under the final name.
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as download_dir:
            command = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                "--no-deps",
                "--implementation",
                "cp",
                "--python-version",
                wheel.python_version,
                "--abi",
                wheel.abi_tag,
                *(argument for tag in wheel.platform_tags for argument in ("--platform", tag)),
                "--dest",
                download_dir,
                f"{wheel.distribution}=={wheel.version}",
            ]
            print(f"fetching {wheel.filename}")
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            downloaded = sorted(path.name for path in Path(download_dir).iterdir())
            if result.returncode != 0 or downloaded != [wheel.filename]:
                raise PackagingError(
                    f"pip could not fetch {wheel.filename} (got {downloaded or 'nothing'}):\n"
                    f"{result.stderr.strip()}"
                )
            os.replace(Path(download_dir) / wheel.filename, target)


def run_blender_ext(blender_ext: ModuleType, arguments: list[str]) -> None:
    """Run a ``blender --command extension`` subcommand in this process; raise if Blender reports failure."""
    if blender_ext.main(arguments, args_internal=False, prog="blender --command extension") != 0:
        raise PackagingError(f"Blender's extension {arguments[0]} failed (its messages are above)")


def build(output_dir: Path) -> Path:
    """Fetch missing wheels, build ``backlot-<version>.zip`` into ``output_dir`` and validate it."""
    manifest = load_manifest()
    blender_ext = find_blender_ext()
    fetch_wheels(check_wheel_coverage(manifest, blender_ext))
    output_dir.mkdir(parents=True, exist_ok=True)
    run_blender_ext(blender_ext, ["build", "--source-dir", str(ROOT), "--output-dir", str(output_dir)])
    package = output_dir / f"{manifest['id']}-{manifest['version']}.zip"
    run_blender_ext(blender_ext, ["validate", str(package)])
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("wheels", help="download the wheels blender_manifest.toml lists into wheels/")
    build_parser = commands.add_parser("build", help="build and validate the extension zip")
    build_parser.add_argument("--output-dir", type=Path, default=ROOT / "dist")
    validate_parser = commands.add_parser("validate", help="run Blender's extension validator on a zip")
    validate_parser.add_argument("package", type=Path)
    arguments = parser.parse_args(argv)

    try:
        if arguments.command == "wheels":
            fetch_wheels(check_wheel_coverage(load_manifest(), find_blender_ext()))
        elif arguments.command == "build":
            print(f"built {build(arguments.output_dir)}")
        else:
            run_blender_ext(find_blender_ext(), ["validate", str(arguments.package)])
    except PackagingError as error:
        print(f"build_extension: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
