"""The text of `gnt-instance info`: one instance's OpInstanceQueryData result as lines."""

from __future__ import annotations

from typing import Any

from ganeti import cli, constants, utils


def _FormatStatus(status: dict[str, Any] | None, static: bool) -> str:
    """A device's status on one node, as upstream words it."""
    if static:
        return "(static)"
    if status is None:
        return "not active"
    text = str(status["dev_path"])
    if status["major"] is not None:
        text += " (%s:%s)" % (status["major"], status["minor"])
    if status["sync_percent"] is not None:
        eta = status["estimated_time"]
        text += " %.2f%% done, %s" % (status["sync_percent"],
                                      "ETA %ss" % eta if eta is not None else "no time estimate")
    elif status["is_degraded"]:
        text += " *DEGRADED*"
    else:
        text += " in sync"
    text += ", status %s" % constants.LDS_NAMES.get(status["ldisk_status"], "unknown")
    return text


def _FormatLogicalId(disk: dict[str, Any]) -> list[str]:
    lid = disk["logical_id"] or []
    if disk["dev_type"] == constants.LD_DRBD8 and len(lid) == 6:
        return ["nodeA: %s, minor=%s" % (lid[0], lid[3]), "nodeB: %s, minor=%s" % (lid[1], lid[4]),
                "port: %s" % lid[2], "auth key: %s" % lid[5]]
    if disk["dev_type"] == constants.LD_LV and len(lid) == 2:
        return ["logical_id: %s/%s" % tuple(lid)]
    if disk["dev_type"] == constants.LD_FILE and len(lid) == 2:
        return ["file: %s (driver %s)" % (lid[1], lid[0])]
    return ["logical_id: %s" % ",".join(str(x) for x in lid)]


def _FormatDisk(disk: dict[str, Any], static: bool, indent: int, title: str) -> list[str]:
    pad = " " * indent
    lines = ["%s- %s: %s, size %s" % (pad, title, disk["dev_type"],
                                      utils.FormatUnit(disk["size"], "h"))]
    pad += "  "
    if disk.get("mode"):
        lines.append("%saccess mode: %s" % (pad, disk["mode"]))
    lines += ["%s%s" % (pad, line) for line in _FormatLogicalId(disk)]
    lines.append("%son primary: %s" % (pad, _FormatStatus(disk["pstatus"], static)))
    if disk["dev_type"] in constants.LDS_DRBD:
        lines.append("%son secondary: %s" % (pad, _FormatStatus(disk["sstatus"], static)))
    if disk["children"]:
        lines.append("%schild devices:" % pad)
        for idx, child in enumerate(disk["children"]):
            lines += _FormatDisk(child, static, indent + 4, "child %d" % idx)
    return lines


def _FormatParams(own: dict[str, Any], actual: dict[str, Any], indent: int) -> list[str]:
    """Each parameter: its own value, or "default (value)" when inherited."""
    lines = []
    for key in sorted(actual):
        value = own[key] if key in own else "default (%s)" % (actual[key],)
        lines.append("%s- %s: %s" % (" " * indent, key, value))
    return lines


def FormatInstanceInfo(info: dict[str, Any], static: bool) -> list[str]:
    """The lines describing one instance."""
    state = "configured to be %s" % info["config_state"]
    if not static:
        state += ", actual state is %s" % (info["run_state"] or "unknown (node down?)")
    lines = [
        "Instance name: %s" % info["name"],
        "UUID: %s" % info["uuid"],
        "Serial number: %s" % info["serial_no"],
        "Creation time: %s" % cli.FormatTimestamp(info["ctime"]),
        "Modification time: %s" % cli.FormatTimestamp(info["mtime"]),
        "State: %s" % state,
        "  Nodes:",
        "    - primary: %s" % info["pnode"],
        "    - secondaries: %s" % (", ".join(info["snodes"]) or "none"),
        "  Operating system: %s" % info["os"],
        "  Allocated network port: %s" % (info["network_port"]
                                          if info["network_port"] is not None else "none"),
        "  Tags: %s" % (", ".join(info["tags"]) or "none"),
        "  Hypervisor: %s" % info["hypervisor"],
    ]
    lines += _FormatParams(info["hv_instance"], info["hv_actual"], 4)
    lines.append("  Hardware:")
    lines += _FormatParams(info["be_instance"], info["be_actual"], 4)
    lines.append("    - NICs:")
    for idx, (mac, ip, mode, link) in enumerate(info["nics"]):
        lines.append("      - nic/%d: MAC: %s, IP: %s, mode: %s, link: %s"
                     % (idx, mac, ip, mode, link))
    lines.append("  Disk template: %s" % info["disk_template"])
    lines.append("  Disks:%s" % ("" if info["disks"] else " none"))
    for disk in info["disks"]:
        lines += _FormatDisk(disk, static, 4, disk["iv_name"])
    return lines
