"""SaveResults, the list of per-record outcomes, and the errors that carry them."""

from __future__ import annotations

import pytest

from sf_toolkit import (
    Outcome,
    SaveError,
    SaveInterruptedError,
    SaveResult,
    SaveResults,
    SaveResultsError,
)

ID1 = "001000000000001AAA"
LOCK = SaveError("UNABLE_TO_LOCK_ROW", "locked")


def results() -> SaveResults[str]:
    return SaveResults(
        [
            SaveResult("a", Outcome.SAVED, id=ID1),
            SaveResult("b", Outcome.FAILED, errors=[LOCK]),
            SaveResult("c", Outcome.UNCHANGED),
        ]
    )


def test_slices_sums_and_copies_keep_the_helpers() -> None:
    """results[:2].all_succeeded works: slices, + and copy() are SaveResults."""
    every = results()
    assert isinstance(every[:1], SaveResults)
    assert every[:1].all_succeeded
    assert not every[1:].all_succeeded
    assert isinstance(every[0], SaveResult)
    assert isinstance(every + every, SaveResults)
    assert len(every + every) == 6
    assert isinstance(every.copy(), SaveResults)
    assert isinstance(every.failures, SaveResults)
    assert [r.record for r in every.failures] == ["b"]


def test_the_aggregate_error_names_the_first_failure() -> None:
    """raise_for_failures raises one error counting the failures."""
    with pytest.raises(SaveResultsError, match="1 of 3 records did not succeed; first: UNABLE"):
        results().raise_for_failures()


def test_the_aggregate_error_of_successes_is_not_an_index_error() -> None:
    """Built by hand from results without failures, it still has a message."""
    error = SaveResultsError(results()[:1])
    assert error.failures == []
    assert "all 1 records succeeded" in str(error)


def test_an_interruption_carries_what_was_sent() -> None:
    """SaveInterruptedError keeps the results and says how many were saved."""
    cause = RuntimeError("source broke")
    error = SaveInterruptedError(results(), cause)
    assert error.results[0].id == ID1
    assert "3 records were sent (1 saved" in str(error)
    assert "RuntimeError: source broke" in str(error)
