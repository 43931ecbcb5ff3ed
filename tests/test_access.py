"""`analyze.access.privileged` on a contract compiled by the real solc and read by real Slither."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from packaging.version import Version

FIXTURE = Path(__file__).parent / "fixtures" / "access" / "callers.sol"
HANDED = Path(__file__).parent / "fixtures" / "access" / "handed.sol"
HANDED_05 = Path(__file__).parent / "fixtures" / "access" / "handed_05.sol"
HANDED_NAMES = ["Listed.sweep_few", "OpenGrant.sweep_anyone", "PassedOn.sweep_anyone", "Returned.sweep_anyone",
                "Pointed.sweep_anyone", "Repointed05.sweep_anyone",
                "Minted.sweep_few", "Minted.local_few", "Minted.checked_few", "Minted.checkedGuests_anyone", "Minted.guests_anyone", "Minted.chosen_anyone",
                "OpenMinted.sweep_anyone", "SlotRepointed.sweep_anyone", "CheckRepointed.sweep_anyone",
                "PointerOnly.sweep_anyone", "RawStore.sweep_anyone", "UnpackRepointed.sweep_anyone",
                "CheckRepointed05.sweep_anyone", "PassedRepointed05.sweep_anyone"]
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
    "bySeat_few", "visitor_anyone", "chosenSeat_anyone", "notSeated_anyone",
    "pickedSeat_anyone", "alias_anyone", "aliasAdmin_anyone", "maskedAdmin_anyone", "bySender_few", "helperAlias_anyone",
]


def _slither(fixture: Path, version: str):
    from crytic_compile import CryticCompile
    from slither import Slither

    from swclint.analyze.slither_run import _Precompiled
    from swclint.solc.compile import compile_group
    from swclint.solc.providers import get_solc

    solc = get_solc(Version(version))
    result = compile_group(solc, [fixture], fixture.parent)
    assert result.compiled == [fixture], result.diagnostics
    with contextlib.chdir(fixture.parent):  # source unit names are relative to the root, as in the pipeline
        return Slither(CryticCompile(_Precompiled(result.output, str(solc.version)), cwd=str(fixture.parent)))


@pytest.fixture(scope="module")
def functions():
    (contract,) = [c for c in _slither(FIXTURE, "0.4.24").contracts if c.name == "Callers"]
    return {f.name: f for f in contract.functions_declared if f.name.endswith(("_few", "_anyone"))}


@pytest.fixture(scope="module")
def handed():
    return {f"{c.name}.{f.name}": f for fixture, version in ((HANDED, "0.8.26"), (HANDED_05, "0.5.17"))
            for c in _slither(fixture, version).contracts
            for f in c.functions_declared if f.name.endswith(("_few", "_anyone"))}


def test_every_fixture_function_is_checked(functions) -> None:
    assert set(functions) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_who_may_call(functions, name: str) -> None:
    from swclint.analyze.access import privileged

    assert privileged(functions[name]) == name.endswith("_few")


def test_every_handed_fixture_function_is_checked(handed) -> None:
    assert set(handed) == set(HANDED_NAMES)


@pytest.mark.parametrize("name", HANDED_NAMES)
def test_role_sets_written_through_storage_parameters(handed, name: str) -> None:
    """A helper's write through a storage parameter lands where the run's calls point it: a member
    list beside the role set leaves the set gated; the set itself handed over, a pointer a call
    returned, one reached through a function pointer or pointed elsewhere inside (by assignment, a
    tuple a call returned, or a slot set in assembly) opens it, and so does a raw `sstore`. A check
    asked of a library (`_minters.has(msg.sender)`) reads the role its caller handed in, unless the
    helper points its parameter elsewhere."""
    from swclint.analyze.access import privileged

    assert privileged(handed[name]) == name.endswith("_few")


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
