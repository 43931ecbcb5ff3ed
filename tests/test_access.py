"""`analyze.access.privileged` on a contract compiled by the real solc and read by real Slither."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from packaging.version import Version

FIXTURE = Path(__file__).parent / "fixtures" / "access" / "callers.sol"
NAMES = [
    "byModifier_few", "byHelperModifier_few", "byStoredArgument_few", "byCallerArgument_few", "byHelper_few",
    "byEarlyReturn_few", "byBranch_few", "byWhitelist_few", "byComparedEntry_few", "byPendingOwner_few",
    "bySelfCall_few", "byPolicy_few", "byLiteral_few", "bySelfGovernedSet_few", "byWrappingModifier_few", "byOwnerIndex_few", "byCheckedHelper_few", "byEveryBranch_few",
    "byLoggingModifier_few", "byBareReturnHelper_few",
    "byOwnerIndexBranch_few", "byChosenRole_few", "byPermissionBit_few", "byAnyPermissionBit_few",
    "payloadSize_anyone", "paused_anyone", "human_anyone", "chosenAccount_anyone", "chosenAdmin_anyone",
    "blacklist_anyone", "blacklistBranch_anyone", "comparedFalse_anyone", "balance_anyone", "notOwner_anyone",
    "tile_anyone", "approvedBy_anyone", "emergencyOnly_anyone", "negatedHelper_anyone",
    "openSet_anyone", "operator_anyone", "midBranch_anyone", "depositor_anyone",
    "notAnOwner_anyone", "oneBranchChecked_anyone", "withoutPermission_anyone", "ownFlags_anyone", "guestBit_anyone",
]


@pytest.fixture(scope="module")
def functions():
    from crytic_compile import CryticCompile
    from slither import Slither

    from swclint.analyze.slither_run import _Precompiled
    from swclint.solc.compile import compile_group
    from swclint.solc.providers import get_solc

    solc = get_solc(Version("0.4.24"))
    result = compile_group(solc, [FIXTURE], FIXTURE.parent)
    assert result.compiled == [FIXTURE], result.diagnostics
    with contextlib.chdir(FIXTURE.parent):  # source unit names are relative to the root, as in the pipeline
        slither = Slither(CryticCompile(_Precompiled(result.output, str(solc.version)), cwd=str(FIXTURE.parent)))
    (contract,) = [c for c in slither.contracts if c.name == "Callers"]
    return {f.name: f for f in contract.functions_declared if f.name.endswith(("_few", "_anyone"))}


def test_every_fixture_function_is_checked(functions) -> None:
    assert set(functions) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_who_may_call(functions, name: str) -> None:
    from swclint.analyze.access import privileged

    assert privileged(functions[name]) == name.endswith("_few")


def test_a_slither_run_leaves_no_cached_ir_behind(functions) -> None:
    """Facts cached about one run's objects are dropped when the run ends (a worker analysing many
    files must not keep every earlier file's IR alive)."""
    from swclint.analyze import run_cache
    from swclint.analyze.access import privileged
    from swclint.analyze.slither_run import run_slither
    from swclint.solc.compile import compile_group
    from swclint.solc.providers import get_solc

    privileged(functions["byModifier_few"])
    assert sum(c.cache_info().currsize for c in run_cache._CACHES) > 0
    solc = get_solc(Version("0.4.24"))
    result = compile_group(solc, [FIXTURE], FIXTURE.parent)
    findings, errors = run_slither(result.output, str(solc.version), FIXTURE.parent)
    assert findings and not errors
    assert sum(c.cache_info().currsize for c in run_cache._CACHES) == 0
