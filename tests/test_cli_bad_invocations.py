"""Every row of the command line's bad-invocation table (isabench.fuzz.cli.ROWS), run once as a
real subprocess: one line on stderr, no traceback, the documented exit status, records kept."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from isabench.fuzz.cli import ROWS, Fixtures, _cuda_here, check_row


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[int, list]:
    """Each row's findings: the rows run two at a time against one prepared run folder."""
    fixtures = Fixtures(tmp_path_factory.mktemp("cli-rows"))
    cuda = _cuda_here()
    try:
        indices = [i for i, row in enumerate(ROWS) if not (row.cuda and cuda)]

        def one(index: int) -> list:
            return check_row(ROWS[index], fixtures, random.Random(f"table:{index}"), "cli", index)

        with ThreadPoolExecutor(2) as pool:
            return dict(zip(indices, pool.map(one, indices), strict=True))
    finally:
        fixtures.close()


def test_the_table_covers_the_issue() -> None:
    assert len(ROWS) >= 50
    assert len({row.name for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[row.name.replace(" ", "-") for row in ROWS])
def test_bad_invocation(outcomes: dict[int, list], index: int) -> None:
    if index not in outcomes:
        pytest.skip("asks for CUDA, and this machine has a GPU")
    findings = outcomes[index]
    assert not findings, "\n".join(f"{f.message}\n{f.reproducer}" for f in findings)
