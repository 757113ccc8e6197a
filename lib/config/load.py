"""Reading config.data: parse, check the version, build objects, upgrade.

Shared by the master's ConfigWriter, confd (read-only, on every master
candidate) and tools/cfgupgrade, so that all of them accept and refuse
exactly the same files with the same messages.
"""

from __future__ import annotations

import json

from ganeti import constants, errors, objects, serializer
from ganeti.utils import io

# config.data of Ganeti 2.0; tools/cfgupgrade converts it.
CONFIG_VERSION_20 = 2000000
UPGRADABLE_VERSIONS = frozenset([CONFIG_VERSION_20, constants.CONFIG_VERSION])


def ParseConfigText(text: str | bytes, source: str = "config.data") -> dict:
    """JSON text to a dict, with a clear error for truncated or garbled files."""
    if not text or not text.strip():
        raise errors.ConfigurationError("%s is empty" % source)
    try:
        data = serializer.LoadJson(text)
    except errors.ParseError as err:
        raise errors.ConfigurationError("%s is not valid JSON (truncated or damaged?): %s"
                                        % (source, err)) from err
    if not isinstance(data, dict):
        raise errors.ConfigurationError("%s: expected a JSON object at the top level" % source)
    return data


def CheckVersion(data: dict, source: str = "config.data",
                 accept: frozenset[int] = frozenset([constants.CONFIG_VERSION])) -> int:
    """The file's version; ConfigVersionMismatch unless it is one of accept."""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise errors.ConfigurationError("%s: field version missing or not an integer" % source)
    if version not in accept:
        hint = (" (a Ganeti 2.0 configuration: run tools/cfgupgrade first)"
                if version == CONFIG_VERSION_20 else "")
        raise errors.ConfigVersionMismatch("%s: configuration version %d not supported, expected"
                                           " %d%s" % (source, version, constants.CONFIG_VERSION,
                                                      hint))
    return version


def DictToConfigData(data: dict, source: str = "config.data") -> tuple[objects.ConfigData, bool]:
    """Objects from a version-checked dict, upgraded; True if the upgrade changed them."""
    try:
        config = objects.ConfigData.FromDict(data)
    except errors.ConfigurationError as err:
        raise errors.ConfigurationError("%s: %s" % (source, err)) from err
    before = _Canonical(config)
    config.UpgradeConfig()
    return config, _Canonical(config) != before


def _Canonical(config: objects.ConfigData) -> str:
    return json.dumps(config.ToDict(), sort_keys=True)


def LoadConfigData(path: str) -> tuple[objects.ConfigData, bool]:
    """Read and check config.data from a file (see DictToConfigData)."""
    try:
        text = io.ReadFile(path)
    except OSError as err:
        raise errors.ConfigurationError("Cannot read %s: %s" % (path, err)) from err
    except UnicodeDecodeError as err:
        raise errors.ConfigurationError("%s is not UTF-8 text: %s" % (path, err)) from err
    data = ParseConfigText(text, path)
    CheckVersion(data, path)
    return DictToConfigData(data, path)
