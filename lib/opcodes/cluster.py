"""Cluster-wide opcodes."""

from __future__ import annotations

from ganeti import constants
from ganeti.opcodes import ht
from ganeti.opcodes.base import REQUIRED, OpCode, POutputFields

_TUidPool = ht.TListOf(ht.TUidRange)


class OpClusterPostInit(OpCode):
    """Run the post-init hooks after `gnt-cluster init`."""

    OP_ID = "OP_CLUSTER_POST_INIT"


class OpClusterDestroy(OpCode):
    """Destroy the cluster (only the master remains, unconfigured)."""

    OP_ID = "OP_CLUSTER_DESTROY"


class OpClusterQuery(OpCode):
    """Cluster information, as `gnt-cluster info` shows it."""

    OP_ID = "OP_CLUSTER_QUERY"


class OpClusterVerify(OpCode):
    """Check the cluster's consistency on every node."""

    OP_ID = "OP_CLUSTER_VERIFY"
    OP_PARAMS = [
        ("skip_checks", [], ht.TListOf(ht.TElemOf(constants.VERIFY_OPTIONAL_CHECKS)),
         "Optional checks to skip"),
        ("verbose", False, ht.TBool, "Verbose output"),
        ("error_codes", False, ht.TBool, "Machine-parseable error codes in the output"),
        ("debug_simulate_errors", False, ht.TBool, "Report every check as failed (testing)"),
    ]


class OpClusterVerifyDisks(OpCode):
    """Find instances with inactive or degraded disks."""

    OP_ID = "OP_CLUSTER_VERIFY_DISKS"


class OpClusterRepairDiskSizes(OpCode):
    """Fix the recorded disk sizes from what the nodes report."""

    OP_ID = "OP_CLUSTER_REPAIR_DISK_SIZES"
    OP_DSC_FIELD = "instances"
    OP_PARAMS = [
        ("instances", [], ht.TListOf(ht.TNonEmptyString), "Instances to check (empty: all)"),
    ]


class OpClusterConfigQuery(OpCode):
    """Selected cluster configuration values (luxi QueryConfigValues)."""

    OP_ID = "OP_CLUSTER_CONFIG_QUERY"
    OP_PARAMS = [POutputFields]


class OpClusterRename(OpCode):
    """Rename the cluster (and move its master IP)."""

    OP_ID = "OP_CLUSTER_RENAME"
    OP_DSC_FIELD = "name"
    OP_PARAMS = [("name", REQUIRED, ht.TNonEmptyString, "New cluster name")]


class OpClusterSetParams(OpCode):
    """Change cluster parameters (`gnt-cluster modify`); None leaves a value unchanged."""

    OP_ID = "OP_CLUSTER_SET_PARAMS"
    OP_PARAMS = [
        ("vg_name", None, ht.TString, "Volume group name ('' disables LVM)"),
        ("enabled_hypervisors", None, ht.TListOf(ht.TElemOf(constants.HYPER_TYPES)),
         "Enabled hypervisors, the first one the default"),
        ("hvparams", None, ht.TDictOf(ht.TElemOf(constants.HYPER_TYPES), ht.TDict),
         "Cluster-wide hypervisor parameters, per hypervisor"),
        ("os_hvp", None, ht.TDictOf(ht.TNonEmptyString, ht.TDict),
         "Per-OS hypervisor parameters"),
        ("beparams", None, ht.TDict, "Cluster-wide backend parameters"),
        ("nicparams", None, ht.TDict, "Cluster-wide NIC parameters (mode, link)"),
        ("diskparams", None, ht.TDictOf(ht.TElemOf(constants.DISK_TEMPLATES), ht.TDict),
         "Cluster-wide disk parameters, per disk template"),
        ("candidate_pool_size", None, ht.TPositiveInt, "Master candidate pool size"),
        ("uid_pool", None, _TUidPool, "Replace the user-id pool: [(low, high)]"),
        ("add_uids", None, _TUidPool, "User-id ranges to add to the pool"),
        ("remove_uids", None, _TUidPool, "User-id ranges to remove from the pool"),
        ("maintain_node_health", None, ht.TBool, "Whether nodes shut down stray instances"),
        ("default_iallocator", None, ht.TString, "Default instance allocator ('' for none)"),
    ]


class OpClusterRedistConf(OpCode):
    """Push the configuration and ancillary files to all nodes again."""

    OP_ID = "OP_CLUSTER_REDIST_CONF"
