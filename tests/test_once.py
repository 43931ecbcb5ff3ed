"""`analyze.once.runs_once` (initializers behind a latch) on contracts compiled by the real solc and
read by real Slither, and what it changes for `analyze.access.privileged`."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from packaging.version import Version

FIXTURES = Path(__file__).parent / "fixtures" / "once"
# (file, solc) -> the external functions named `*_once` or `*_again` in it, as Contract.function
UNITS = {
    ("initializers.sol", "0.8.26"): [
        "VersionLatch.setup_once", "VersionLatch.upgrade_again", "BoolLatch.setup_once", "SlotLatch.setup_once",
        "Inline.setup_once", "Inline.ifRevert_once", "Inline.helper_once", "Inline.open_again",
        "Inline.sometimes_again", "Inline.otherLatch_again", "Inline.orOwner_again", "Inline.afterEnd_again",
        "Inline.atGoal_again", "Inline.elseRevert_again", "Inline.withHelper_once", "Inline.balanceLocal_again", "Halting.setup_again",
        "Halting.skip_again",
        "Resettable.setup_again", "Resettable.byValue_again", "StickyFlag.setup_again",
        "Roles.setup_once", "OpenRoles.setup_again", "OpenFlag.setup_again", "HalfReset.setup_again",
        "Misreadings.raised_again", "Misreadings.helperReturns_again", "Misreadings.onePath_again",
        "Misreadings.reassigned_again", "Misreadings.narrowed_again", "SlotAliases.setup_again",
        "SlotAliases.next_again", "NamespacedRoles.setup_once",
        "Staged.start_once", "Staged.finish_once", "StagedOpen.finish_again", "StagedOpen.level_again",
        "StagedOpen.count_again",
        "OneShots.sweep_again", "OneShots.fire_again", "OneShots.claimAll_again", "OneShots.grant_again",
        "ThroughLibrary.approve_once", "ThroughLibrary.payOut_again",
    ],
    ("initializers_sstore.sol", "0.8.26"): ["RawStore.setup_again"],
    ("initializers_slot.sol", "0.8.26"): ["SlotZero.setup_again"],
    ("initializers_delegate.sol", "0.8.26"): ["Delegates.setup_again"],
    ("initializers_05.sol", "0.5.17"): ["TextAssembly.setup_once", "TextOverwrite.setup_again"],
    ("initializers_04_pointer.sol", "0.4.26"): ["Uninitialised.setup_again"],
    ("initializers_05_lengths.sol", "0.5.17"): ["Lengths.setup_again", "Beside.setup_once",
                                               "Derived.configure_again", "UsesShrink.setup_again",
                                               "IgnoresShrink.setup_once"],
}
CASES = [(unit, name) for unit, names in UNITS.items() for name in names]


def _contracts(file: str, version: str) -> dict:
    from crytic_compile import CryticCompile
    from slither import Slither

    from swclint.analyze.slither_run import _Precompiled
    from swclint.solc.compile import compile_group
    from swclint.solc.providers import get_solc

    path = FIXTURES / file
    solc = get_solc(Version(version))
    result = compile_group(solc, [path], FIXTURES)
    assert result.compiled == [path], result.diagnostics
    with contextlib.chdir(FIXTURES):  # source unit names are relative to the root, as in the pipeline
        slither = Slither(CryticCompile(_Precompiled(result.output, str(solc.version)), cwd=str(FIXTURES)))
    return {c.name: c for c in slither.contracts}


@pytest.fixture(scope="module")
def units() -> dict:
    return {unit: _contracts(*unit) for unit in UNITS}


def _function(contracts: dict, qualified: str):
    contract, name = qualified.split(".")
    return next(f for f in contracts[contract].functions_declared if f.name == name)


def test_every_fixture_function_is_checked(units) -> None:
    for unit, contracts in units.items():
        found = {f"{c.name}.{f.name}" for c in contracts.values() for f in c.functions_declared
                 if f.name.endswith(("_once", "_again"))}
        assert found == set(UNITS[unit]), unit


@pytest.mark.parametrize(("unit", "name"), CASES, ids=[f"{u[0]}:{n}" for u, n in CASES])
def test_runs_once(units, unit, name: str) -> None:
    from swclint.analyze.once import runs_once

    assert runs_once(_function(units[unit], name)) == name.endswith("_once")


def test_roles_an_initializer_grants_once_are_gated(units) -> None:
    """A role check admits only the holders when the roles' only unprivileged writer is an
    initializer that runs once; an open `setup` lets anyone make themselves the admin."""
    from swclint.analyze.access import privileged

    contracts = units[("initializers.sol", "0.8.26")]
    assert privileged(_function(contracts, "Roles.kill"))
    assert privileged(_function(contracts, "Roles.grant"))
    assert not privileged(_function(contracts, "OpenRoles.kill"))
    # the same with the roles in a struct kept at a constant slot (ERC-7201)
    assert privileged(_function(contracts, "NamespacedRoles.kill"))
    assert privileged(_function(contracts, "NamespacedRoles.grant"))
    assert not privileged(_function(contracts, "OpenNamespacedRoles.kill"))
    assert not privileged(_function(contracts, "InlineNamespacedRoles.kill"))
    assert not privileged(_function(contracts, "OverlaidRoles.kill"))
    # member lists written through a library's storage parameters land in another field
    assert privileged(_function(contracts, "ListedNamespacedRoles.kill"))
    assert not privileged(_function(contracts, "OpenListedNamespacedRoles.kill"))
