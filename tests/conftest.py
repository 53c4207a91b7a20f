"""Scheduling of the suite on `make test`'s two xdist workers (`--dist loadgroup --no-loadscope-reorder`: groups and
tests are handed out in the order below, the next one to whichever worker is free).

1. `test_profile_caches_build[faceworld]` alone: the FaceWorld chain (the shipped tiny CLIP, then two seeds of
   activation stores and SAEs), started at once on one worker;
2. the MiniLM group (its caches, then its notebooks) on the other worker;
3. the other tests, heaviest first;
4. the FaceWorld figure tests last, by then on warm caches, shared by both workers.

Without this, a worker that draws a FaceWorld figure test early waits on the other one's file lock for minutes.
Tests marked `slow` run in `make test-slow` only. A grouped test that pytest-xdist did not tag fails with the reason
(pytest 9 with pytest-xdist 3.8 drops groups silently: the lock pins pytest 8.4.2).
"""
import pytest

HEAVY_FIRST = ("test_dry_run", "test_distributed", "test_faults", "test_readme", "test_towers")


def _profile(item) -> str | None:
    params = getattr(item, "callspec", None)
    profile = params.params.get("profile") if params is not None else None
    if profile is None and item.module.__name__.endswith("test_figures"):
        profile = "minilm" if "minilm" in item.name else "faceworld"          # the tests of one profile only
    return profile


def _rank(item) -> tuple[int, int]:
    profile, module = _profile(item), item.module.__name__.rsplit(".", 1)[-1]
    if item.originalname == "test_profile_caches_build" and profile == "faceworld": return (0, 0)
    if profile == "minilm": return (1, 0)
    if profile is None: return (2, HEAVY_FIRST.index(module) if module in HEAVY_FIRST else len(HEAVY_FIRST))
    return (3, 0)


@pytest.hookimpl(tryfirst=True)                                 # before xdist tags the grouped node ids
def pytest_collection_modifyitems(config, items):
    items.sort(key=_rank)                                                       # stable: file order within a rank
    for item in items:
        rank = _rank(item)[0]
        if rank in (0, 1): item.add_marker(pytest.mark.xdist_group("faceworld-caches" if rank == 0 else "minilm"))


_LOST = pytest.StashKey[set]()
LOST_GROUPS = "xdist_group not applied (pytest 9 with pytest-xdist 3.8 drops groups): install the lock's pytest"


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    "Note the grouped tests pytest-xdist did not tag: each fails with the reason instead of running unscheduled."
    loadgroup = session.config.getoption("loadgroup", False)
    session.config.stash[_LOST] = {i.nodeid for i in session.items if loadgroup and any(i.iter_markers("xdist_group"))
                                   and "@" not in i.nodeid}


def pytest_runtest_setup(item):
    if item.nodeid in item.config.stash.get(_LOST, set()): pytest.fail(LOST_GROUPS)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a check too long for `make test` (run by `make test-slow`)")
