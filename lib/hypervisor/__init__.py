"""Hypervisor abstraction: one class per hypervisor type, looked up by name.

Callers (ganeti.backend on the nodes, cmdlib on the master for parameter
syntax checks) use GetHypervisor / GetHypervisorClass and never import a
hypervisor module directly.
"""

from __future__ import annotations

from ganeti import constants, errors
from ganeti.hypervisor import hv_base, hv_fake, hv_kvm

_HYPERVISOR_MAP: dict[str, type[hv_base.BaseHypervisor]] = {
    constants.HT_FAKE: hv_fake.FakeHypervisor,
    constants.HT_KVM: hv_kvm.KVMHypervisor,
}


def GetHypervisorClass(ht_kind: str) -> type[hv_base.BaseHypervisor]:
    """The class of a hypervisor type, for classmethods (CheckParameterSyntax...)."""
    try:
        return _HYPERVISOR_MAP[ht_kind]
    except KeyError:
        raise errors.HypervisorError("Unknown or unsupported hypervisor type %r" % ht_kind)


def GetHypervisor(ht_kind: str) -> hv_base.BaseHypervisor:
    """A hypervisor object for this node (paths from ganeti.pathutils)."""
    return GetHypervisorClass(ht_kind)()


def GetAllParameterNames(skip_globals: bool = False) -> frozenset[str]:
    """Every parameter name of every hypervisor this build implements."""
    names: set[str] = set()
    for cls in _HYPERVISOR_MAP.values():
        names.update(cls.PARAMETERS)
    return frozenset(names - constants.HVC_GLOBALS if skip_globals else names)
