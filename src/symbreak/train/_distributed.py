"""Several processes with PyTorch's own machinery: ``torch.distributed`` process groups,
``DistributedDataParallel`` and ``torchrun``; nothing home-made travels between processes.

A run is distributed when ``torchrun`` (or any launcher) set ``RANK``, ``WORLD_SIZE``
and ``LOCAL_RANK``, or when :func:`spawn` starts ``N`` local processes that set them.
Backend: NCCL when the process has a GPU, gloo on CPU.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import tempfile
from typing import Any, Callable

import torch
import torch.distributed as dist

__all__ = ["World", "current_world", "spawn", "all_sum"]


@dataclasses.dataclass(frozen=True)
class World:
    """Where this process stands: ``rank`` of ``size`` processes, its ``device``."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def distributed(self) -> bool:
        return self.size > 1

    @property
    def main(self) -> bool:
        """Rank 0: the only process that writes files and prints."""
        return self.rank == 0

    @property
    def backend(self) -> str:
        return "nccl" if self.device.type == "cuda" else "gloo"


def _device(local_rank: int, device: str) -> torch.device:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' requested but torch sees no GPU; use --device cpu")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if device != "cpu":
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    return torch.device("cpu")


def current_world(device: str = "auto") -> World:
    """This process's :class:`World`, joining the process group the launcher describes.

    Reads ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` (and ``MASTER_ADDR``/``MASTER_PORT``)
    as ``torchrun`` sets them; without them, a world of one process.
    """
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World(device=_device(0, device))
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    world = World(rank, size, local_rank, _device(local_rank, device))
    if world.device.type == "cuda":
        torch.cuda.set_device(world.device)
    if not dist.is_initialized():
        dist.init_process_group(world.backend, rank=rank, world_size=size)
    return world


def all_sum(tensor: torch.Tensor, world: World) -> torch.Tensor:
    """Sum of ``tensor`` over all processes (itself in a one-process world)."""
    if world.distributed:
        tensor = tensor.to(world.device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _worker(local_rank: int, size: int, port: int, function: Callable, args: tuple, result_path: str) -> None:
    os.environ.update(RANK=str(local_rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(size),
                      LOCAL_WORLD_SIZE=str(size), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    try:
        value = function(*args)
        if local_rank == 0:  # a file, not a pipe: a large value in a pipe would block the exit
            torch.save(value, result_path)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def spawn(function: Callable, nproc: int, *args: Any) -> Any:
    """Run ``function(*args)`` in ``nproc`` fresh local processes forming one process group
    (as ``torchrun --nproc-per-node nproc`` would) and return rank 0's value.

    ``function`` and ``args`` must be picklable; each process calls :func:`current_world`
    to join the group. With ``nproc == 1`` the function runs here.
    """
    if not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"nproc must be an integer >= 1, got {nproc!r}")
    if nproc == 1:
        return function(*args)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise ValueError("--nproc inside a torchrun launch: torchrun already started the processes; drop --nproc")
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="symbreak-spawn-") as folder:
        result_path = os.path.join(folder, "rank0.pt")
        try:
            mp.start_processes(_worker, args=(nproc, _free_port(), function, args, result_path), nprocs=nproc,
                               join=True, start_method="spawn")
        except mp.ProcessRaisedException as error:
            # the child's traceback is text; bad input (a ValueError) stays one clear line
            last = str(error).strip().splitlines()[-1]
            if last.startswith("ValueError: "):
                raise ValueError(last.removeprefix("ValueError: ")) from None
            raise
        # our own file, written by our own child a moment ago: a full unpickle is safe here
        return torch.load(result_path, weights_only=False) if os.path.exists(result_path) else None
