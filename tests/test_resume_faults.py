"""Fault injection: a training run killed with SIGKILL at random instants, resumed each time,
ends with exactly the weights of an uninterrupted run and leaves no temporary file."""

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
import _train_worker as worker  # noqa: E402

KILLS = 12
PAUSE = 0.01  # seconds slept after each epoch and in the middle of each checkpoint write


def _temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def _assert_same_run(folder: Path, reference: Path) -> None:
    got = torch.load(folder / "result.pt", weights_only=True)
    want = torch.load(reference / "result.pt", weights_only=True)
    assert got["history"] == want["history"]  # every epoch's loss, bit for bit
    assert got["best_loss"] == want["best_loss"]
    for key in ("best_state", "final_state"):
        assert got[key].keys() == want[key].keys()
        for name, value in want[key].items():
            assert torch.equal(got[key][name], value), (key, name)
    assert sorted(p.name for p in folder.iterdir()) == ["result.pt", "run.pt"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to start workers fast")
def test_sigkill_at_random_instants_then_resume_gives_the_uninterrupted_weights(tmp_path):
    reference = tmp_path / "reference"
    worker.run(reference)

    folder = tmp_path / "killed"
    context = multiprocessing.get_context("fork")  # a new interpreter would cost 3 s of imports per kill
    delays = random.Random(20240611)
    kills, mid_save = 0, 0
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, f"no finished run after {kills} kills"
        if _temporaries(folder):
            mid_save += 1  # the last kill interrupted a write; the next run must clean it up
        process = context.Process(target=worker.run, args=(folder, PAUSE))
        process.start()
        if kills < KILLS:
            process.join(timeout=delays.uniform(0.03, 0.15))
            if process.exitcode is None:
                os.kill(process.pid, signal.SIGKILL)
                process.join()
                kills += 1
                continue
        else:
            process.join()
        assert process.exitcode == 0
        if (folder / "result.pt").exists() and not _temporaries(folder):
            break
    assert kills == KILLS
    assert mid_save >= 1, "no kill landed inside a checkpoint write; the test lost its point"
    _assert_same_run(folder, reference)


@pytest.mark.slow
def test_sigkill_of_a_fresh_interpreter_then_resume(tmp_path):
    """The same with real subprocesses (imports included): slower, a few kills."""
    reference = tmp_path / "reference"
    worker.run(reference)
    folder = tmp_path / "killed"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, str(Path(worker.__file__)), str(folder), str(PAUSE)]
    delays = random.Random(7)
    kills = 0
    while True:
        process = subprocess.Popen(command, env=environment)
        if kills < 4:
            # Import takes seconds: wait for the first checkpoint, then kill at random.
            started = time.monotonic()
            while not (folder / "run.pt").exists() and process.poll() is None and time.monotonic() - started < 60:
                time.sleep(0.01)
            time.sleep(delays.uniform(0.0, 0.3))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                continue
        assert process.wait(timeout=120) == 0
        break
    _assert_same_run(folder, reference)
