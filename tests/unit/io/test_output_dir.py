"""Output folders all or nothing: :mod:`synchrony.io.output_dir`."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from synchrony.errors import InputError
from synchrony.io.output_dir import check_output_dir, staged_output_dir


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _earlier(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    return out


def _stage_new(out: Path, then: Callable[[], object]) -> None:
    """Write ``new.txt`` into a staged folder for ``out``, then call ``then``."""
    with staged_output_dir(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
        then()


def test_the_rules_for_out(tmp_path: Path) -> None:
    """case -> expected: a full folder without --overwrite, a file, a missing parent -> one
    line each; nothing is left beside ``out`` by a check."""
    full = _earlier(tmp_path)
    with pytest.raises(InputError, match="not empty; choose another directory"):
        check_output_dir(full, overwrite=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a directory"):
        check_output_dir(tmp_path / "file", overwrite=True)
    with pytest.raises(InputError, match="does not exist"):
        check_output_dir(tmp_path / "no" / "such" / "out", overwrite=False)
    before = _listing(tmp_path)
    check_output_dir(full, overwrite=True)
    check_output_dir(tmp_path / "new", overwrite=False)
    assert _listing(tmp_path) == before


def test_a_finished_folder_replaces_the_old_one(tmp_path: Path) -> None:
    out = _earlier(tmp_path)
    with staged_output_dir(out, overwrite=True) as tmp:
        assert tmp.parent == tmp_path
        assert re.fullmatch(r"\.out\.[0-9a-f]{12}\.partial", tmp.name)
        assert not any(tmp.iterdir())
        (tmp / "new.txt").write_text("new")
    assert _listing(tmp_path) == {"out", "out/new.txt"}


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failure_leaves_the_old_folder_and_nothing_else(tmp_path: Path,
                                                          error: type[BaseException]) -> None:
    out = _earlier(tmp_path)
    before = _listing(tmp_path)

    def fail() -> None:
        raise error

    with pytest.raises(error):
        _stage_new(out, fail)
    assert _listing(tmp_path) == before


def test_ctrl_c_right_after_the_folder_is_made_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C between ``mkdir`` and the ``with`` body (a loaded machine may stop the process
    there): the folder is still removed."""
    real_mkdir = Path.mkdir

    def mkdir_then_interrupted(self: Path, *args: object, **kwargs: object) -> None:
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "mkdir", mkdir_then_interrupted)
    with pytest.raises(KeyboardInterrupt), staged_output_dir(tmp_path / "out", overwrite=False):
        pytest.fail("the body must not run")
    assert _listing(tmp_path) == set()


def test_ctrl_c_during_the_swap_finishes_it_first(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGINT while the old folder is moved aside: the new one still lands, no ``.old`` or
    temporary folder stays, and the interrupt is raised after the swap."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    out = _earlier(tmp_path)
    real_rename = Path.rename

    def rename_then_sigint(self: Path, target: Path) -> Path:
        moved = real_rename(self, target)
        os.kill(os.getpid(), signal.SIGINT)
        return moved

    with pytest.raises(KeyboardInterrupt):
        _stage_new(out, lambda: monkeypatch.setattr(Path, "rename", rename_then_sigint))
    assert _listing(tmp_path) == {"out", "out/new.txt"}
