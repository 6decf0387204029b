"""Shared fixture: run a retro test once with the compiled kernels (native/, `make native`) and once with the
numpy fallback."""

from __future__ import annotations

import pytest
from backlot.production.retro import native


def require_compiled() -> None:
    """Fail (not skip) when this platform should have the library but it does not load: `make test` builds
    it first, so a missing library would leave the compiled path untested."""
    path = native.library_path()
    if path is None:
        pytest.skip("no compiled retro kernels are built for this platform")
    assert native.library() is not None, f"{path} is missing or does not load: run `make native`"


@pytest.fixture(params=["compiled", "numpy"])
def retro_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "numpy":
        monkeypatch.setenv(native.FORCE_NUMPY_VARIABLE, "1")
    else:
        monkeypatch.delenv(native.FORCE_NUMPY_VARIABLE, raising=False)
        require_compiled()
    return str(request.param)
