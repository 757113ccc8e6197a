"""The cluster configuration (config.data): loading, checking, writing.

ConfigWriter is the master's owner of the file; load.LoadConfigData is the
read-only path other daemons (confd) and tools (cfgupgrade) share with it.
"""

from ganeti.config.load import LoadConfigData  # noqa: F401
from ganeti.config.verify import VerifyConfigData  # noqa: F401
from ganeti.config.writer import (  # noqa: F401
    ConfigWriter,
    InitConfig,
    MatchNameComponent,
    WriteConfigFile,
)
