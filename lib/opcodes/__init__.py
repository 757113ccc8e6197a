"""Opcodes: the operations clients submit to the master, one module per domain.

Every opcode class is re-exported here (``opcodes.OpInstanceCreate``), with
the OpCode base, its REQUIRED marker and OP_MAPPING (OP_ID -> class), so that
callers never need to know which module declares what.
"""

from ganeti.opcodes.backup import OpBackupExport, OpBackupQuery, OpBackupRemove  # noqa: F401
from ganeti.opcodes.base import OP_MAPPING, REQUIRED, OpCode  # noqa: F401
from ganeti.opcodes.cluster import (  # noqa: F401
    OpClusterConfigQuery,
    OpClusterDestroy,
    OpClusterPostInit,
    OpClusterQuery,
    OpClusterRedistConf,
    OpClusterRename,
    OpClusterRepairDiskSizes,
    OpClusterSetParams,
    OpClusterVerify,
    OpClusterVerifyDisks,
)
from ganeti.opcodes.instance import (  # noqa: F401
    OpInstanceActivateDisks,
    OpInstanceConsole,
    OpInstanceCreate,
    OpInstanceDeactivateDisks,
    OpInstanceFailover,
    OpInstanceGrowDisk,
    OpInstanceMigrate,
    OpInstanceMove,
    OpInstanceQuery,
    OpInstanceQueryData,
    OpInstanceReboot,
    OpInstanceRecreateDisks,
    OpInstanceReinstall,
    OpInstanceRemove,
    OpInstanceRename,
    OpInstanceReplaceDisks,
    OpInstanceSetParams,
    OpInstanceShutdown,
    OpInstanceStartup,
)
from ganeti.opcodes.node import (  # noqa: F401
    OpNodeAdd,
    OpNodeEvacuate,
    OpNodeMigrate,
    OpNodeModifyStorage,
    OpNodePowercycle,
    OpNodeQuery,
    OpNodeQueryStorage,
    OpNodeQueryvols,
    OpNodeRemove,
    OpNodeSetParams,
    OpRepairNodeStorage,
)
from ganeti.opcodes.operating_system import OpOsDiagnose  # noqa: F401
from ganeti.opcodes.tags import OpTagsDel, OpTagsGet, OpTagsSearch, OpTagsSet  # noqa: F401
from ganeti.opcodes.test import OpTestAllocator, OpTestDelay  # noqa: F401
