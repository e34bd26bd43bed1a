"""Fixtures shared by the whole suite."""

import pytest
import torch


@pytest.fixture
def float64():
    """Build modules in float64: e3nn bakes its coupling constants in the default dtype,
    so equivariance to 1e-9 needs float64 at construction, not only a later ``.double()``."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.fixture
def generator():
    return torch.Generator().manual_seed(1234)


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread per test: the graphs here are tiny (more threads only add overhead on a
    busy machine), and ``make test`` already runs two workers on the two cores."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
