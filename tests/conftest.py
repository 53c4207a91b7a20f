"""Scheduling of the suite on `make test`'s two xdist workers (`--dist loadgroup`).

Every test that reads a profile's figures goes to that profile's group, so one worker builds a profile's caches and
runs its notebooks while the other works on something else, instead of waiting on the first one's file lock. The
FaceWorld group comes first: it holds the longest chain (the tiny CLIP is trained from scratch on a fresh clone).
Tests marked `slow` run in `make test-slow` only.
"""
import pytest

PROFILES = ("faceworld", "minilm")


def _group(item) -> str | None:
    params = getattr(item, "callspec", None)
    profile = params.params.get("profile") if params is not None else None
    if profile is None and item.module.__name__.endswith("test_figures"):
        profile = next((p for p in PROFILES if p in item.name), "faceworld")    # the FaceWorld-only tests
    return profile


def pytest_collection_modifyitems(config, items):
    for item in items:
        group = _group(item)
        if group is not None: item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: {"faceworld": 0, "minilm": 1}.get(_group(item), 2))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a check too long for `make test` (run by `make test-slow`)")
