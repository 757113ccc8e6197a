"""The node side of the OS API: finding OS definitions and running their scripts.

An OS definition is a directory in the OS search path with the scripts
create, import, export and rename, a ganeti_api_version file (one supported
version per line; we speak 10 and 15) and, for API 15, an optional
variants.list. Everything an OS script learns comes through its environment
(OSEnvironment); API-10 OSes get exactly the 2.0 variables, so they never see
the 2.1 additions (2.1 design, "OS API").

Scripts run with a clean environment, their output going to a per-instance
log file under LOG_DIR/os/; when one fails, the error carries the tail of
that log so the administrator sees why without logging in to the node.
"""

from __future__ import annotations

import os
import stat
import time
from typing import Any, Sequence

from ganeti import constants, errors, objects, pathutils, utils
from ganeti.backend import Fail

LOG_TAIL_LINES = 20
_SCRIPT_FIELDS = {
    constants.OS_SCRIPT_CREATE: "create_script",
    constants.OS_SCRIPT_IMPORT: "import_script",
    constants.OS_SCRIPT_EXPORT: "export_script",
    constants.OS_SCRIPT_RENAME: "rename_script",
}


# --- reading OS definitions ---------------------------------------------------

def _ReadApiVersions(os_dir: str, name: str) -> list[int]:
    api_file = os.path.join(os_dir, constants.OS_API_FILE)
    try:
        lines = utils.ReadFile(api_file).split()
    except OSError as err:
        raise errors.InvalidOS(name, os_dir, "cannot read %s: %s" % (constants.OS_API_FILE,
                                                                     err.strerror or err))
    try:
        versions = sorted({int(line) for line in lines})
    except ValueError:
        raise errors.InvalidOS(name, os_dir, "API version file contains a non-number")
    if not versions:
        raise errors.InvalidOS(name, os_dir, "API version file is empty")
    return versions


def _ReadVariants(os_dir: str, name: str) -> list[str]:
    path = os.path.join(os_dir, constants.OS_VARIANTS_FILE)
    try:
        content = utils.ReadFile(path)
    except FileNotFoundError:
        return []
    except OSError as err:
        raise errors.InvalidOS(name, os_dir, "cannot read %s: %s" % (constants.OS_VARIANTS_FILE,
                                                                     err.strerror or err))
    variants = [line.strip() for line in content.splitlines() if line.strip()]
    if not variants:
        raise errors.InvalidOS(name, os_dir, "%s declares no variant" % constants.OS_VARIANTS_FILE)
    return variants


def _CheckScript(os_dir: str, name: str, script: str) -> str:
    path = os.path.join(os_dir, script)
    try:
        st = os.stat(path)
    except OSError as err:
        raise errors.InvalidOS(name, os_dir, "script '%s' is missing (%s)"
                               % (script, err.strerror or err))
    if not stat.S_ISREG(st.st_mode):
        raise errors.InvalidOS(name, os_dir, "script '%s' is not a regular file" % script)
    if not st.st_mode & stat.S_IXUSR:
        raise errors.InvalidOS(name, os_dir, "script '%s' is not executable" % script)
    return path


def _FindOsDir(name: str, base_dir: str | None) -> str:
    if not name or "/" in name or name.startswith("."):
        raise errors.InvalidOS(name, base_dir, "invalid OS name")
    dirs = [base_dir] if base_dir else pathutils.GetOsSearchPath()
    for top in dirs:
        candidate = os.path.join(top, name)
        if os.path.isdir(candidate):
            return candidate
    raise errors.InvalidOS(name, None, "OS dir not found in search path %s" % ":".join(dirs))


def OSFromDisk(name: str, base_dir: str | None = None) -> objects.OS:
    """Load and check an OS definition (name may carry a +variant, ignored here).

    Raises errors.InvalidOS(name, dir, reason) when the definition is unusable:
    no common API version, a missing or non-executable script, an empty
    variants list.
    """
    base_name = objects.OS.SplitNameVariant(name)[0]
    os_dir = _FindOsDir(base_name, base_dir)
    versions = _ReadApiVersions(os_dir, base_name)
    if not set(versions) & constants.OS_API_VERSIONS:
        raise errors.InvalidOS(base_name, os_dir, "API version mismatch (OS supports %s, we"
                               " support %s)" % (versions, sorted(constants.OS_API_VERSIONS)))
    variants = _ReadVariants(os_dir, base_name) if max(versions) >= constants.OS_API_V15 else []
    scripts = {field: _CheckScript(os_dir, base_name, script)
               for script, field in _SCRIPT_FIELDS.items()}
    return objects.OS(name=base_name, path=os_dir, status=constants.OS_VALID_STATUS,
                      api_versions=versions, supported_variants=variants, **scripts)


def DiagnoseOS(top_dirs: Sequence[str] | None = None) -> list[list[Any]]:
    """Every OS directory in the search path, valid or not (os_diagnose RPC).

    One entry per directory, in search path order: [name, path, status (bool),
    diagnose (reason or ""), variants, parameters (always [] in 2.1),
    api_versions], as upstream's os_diagnose. An OS name shadowed by an
    earlier search path directory is still listed, so `gnt-os diagnose` can
    show it.
    """
    result: list[list[Any]] = []
    for top in top_dirs if top_dirs is not None else pathutils.GetOsSearchPath():
        try:
            names = utils.ListVisibleFiles(top)
        except FileNotFoundError:
            continue
        except OSError as err:
            Fail("Cannot list OS directory %s: %s", top, err)
        for name in names:
            path = os.path.join(top, name)
            if not os.path.isdir(path):
                continue
            try:
                os_obj = OSFromDisk(name, base_dir=top)
            except errors.InvalidOS as err:
                result.append([name, path, False, err.args[2], [], [], []])
            else:
                result.append([name, path, True, "", os_obj.supported_variants, [],
                               os_obj.api_versions])
    return result


def GetOS(name: str) -> dict[str, Any]:
    """The OS definition as a dict (os_get RPC); fails if it is invalid."""
    try:
        return OSFromDisk(name).ToDict()
    except errors.InvalidOS as err:
        Fail("Invalid OS %s: %s", err.args[0], err.args[2])


def CheckOSVariant(os_obj: objects.OS, name: str, force: bool = False) -> str:
    """The variant selected by name ("os+variant"), "" for an OS without variants.

    No variant means the first listed one. A variant the OS does not declare
    is refused unless forced (the design's "overriding the checks ganeti
    does"); the OS script must then refuse it itself if it cannot cope.
    """
    variant = objects.OS.SplitNameVariant(name)[1]
    if not os_obj.supported_variants:
        if variant:
            raise errors.OpPrereqError("OS %s does not support variants (got '%s')"
                                       % (os_obj.name, variant), errors.ECODE_INVAL)
        return ""
    if not variant:
        return os_obj.supported_variants[0]
    if variant not in os_obj.supported_variants and not force:
        raise errors.OpPrereqError("Unsupported variant '%s' of OS %s (supported: %s); use"
                                   " --force-variant to pass it anyway"
                                   % (variant, os_obj.name, ", ".join(os_obj.supported_variants)),
                                   errors.ECODE_INVAL)
    return variant


# --- the environment ------------------------------------------------------------

def ApiVersion(os_obj: objects.OS) -> int:
    """The highest API version both we and the OS support."""
    common = set(os_obj.api_versions) & constants.OS_API_VERSIONS
    if not common:
        raise errors.InvalidOS(os_obj.name, os_obj.path, "no common API version")
    return max(common)


def _DiskBackendType(disk: Any) -> str:
    if disk.dev_type == constants.LD_FILE:
        driver = (disk.physical_id or disk.logical_id or [constants.FD_LOOP])[0]
        return "file:%s" % driver
    return "block"


def OSEnvironment(instance: Any, os_obj: objects.OS, debug: int = 0,
                  disk_paths: Sequence[str] = (), variant: str | None = None) -> dict[str, str]:
    """The environment of an OS script for an instance.

    disk_paths are the node's device paths of instance.disks, in order (the
    caller assembles the disks). hvparams/beparams are the instance's filled
    ones. API 10 gets the 2.0 set only; API 15 adds INSTANCE_HYPERVISOR,
    OS_VARIANT, INSTANCE_HV_<param> and INSTANCE_BE_<param>.
    """
    api = ApiVersion(os_obj)
    if len(disk_paths) != len(instance.disks):
        raise errors.ProgrammerError("Need one device path per disk (%d != %d)"
                                     % (len(disk_paths), len(instance.disks)))
    hvp = instance.hvparams or {}
    env = {
        "OS_API_VERSION": str(api),
        "INSTANCE_NAME": instance.name,
        "INSTANCE_OS": instance.os,
        "HYPERVISOR": instance.hypervisor,
        "DISK_COUNT": str(len(instance.disks)),
        "NIC_COUNT": str(len(instance.nics)),
        "DEBUG_LEVEL": str(debug),
    }
    for idx, (disk, path) in enumerate(zip(instance.disks, disk_paths)):
        env["DISK_%d_PATH" % idx] = path
        env["DISK_%d_ACCESS" % idx] = disk.mode
        env["DISK_%d_BACKEND_TYPE" % idx] = _DiskBackendType(disk)
        if hvp.get(constants.HV_DISK_TYPE):
            env["DISK_%d_FRONTEND_TYPE" % idx] = hvp[constants.HV_DISK_TYPE]
    for idx, nic in enumerate(instance.nics):
        params = nic.nicparams or {}
        env["NIC_%d_MAC" % idx] = nic.mac or ""
        if nic.ip:
            env["NIC_%d_IP" % idx] = nic.ip
        mode = params.get(constants.NIC_MODE, "")
        env["NIC_%d_MODE" % idx] = mode
        env["NIC_%d_LINK" % idx] = params.get(constants.NIC_LINK, "")
        if mode == constants.NIC_MODE_BRIDGED:
            env["NIC_%d_BRIDGE" % idx] = params.get(constants.NIC_LINK, "")
        if hvp.get(constants.HV_NIC_TYPE):
            env["NIC_%d_FRONTEND_TYPE" % idx] = hvp[constants.HV_NIC_TYPE]
    if api >= constants.OS_API_V15:
        env["INSTANCE_HYPERVISOR"] = instance.hypervisor
        if variant is None:
            variant = CheckOSVariant(os_obj, instance.os, force=True)
        if variant:
            env["OS_VARIANT"] = variant
        for prefix, params in (("INSTANCE_HV_", hvp), ("INSTANCE_BE_", instance.beparams or {})):
            for key, value in params.items():
                env[prefix + key] = str(value)
    return env


# --- running scripts -------------------------------------------------------------

def _LogFileName(action: str, os_name: str, instance_name: str) -> str:
    stamp = time.strftime("%Y%m%d%H%M%S")
    return os.path.join(pathutils.LOG_DIR, "os", "%s-%s-%s-%s.log"
                        % (action, os_name, instance_name, stamp))


def _LogTail(logfile: str, lines: int = LOG_TAIL_LINES) -> str:
    try:
        content = utils.ReadFile(logfile, binary=True).decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(content.splitlines()[-lines:])


def _RunScript(os_obj: objects.OS, script: str, action: str, instance: Any,
               env: dict[str, str], stdin_file: str | None = None,
               stdout_file: str | None = None) -> str:
    """Run one OS script, logging to its log file; returns the log file path.

    stdin_file/stdout_file carry a disk image (import/export); without them
    the script's stdout goes to the log too.
    """
    path = getattr(os_obj, _SCRIPT_FIELDS[script])
    logfile = _LogFileName(action, os_obj.name, instance.name)
    os.makedirs(os.path.dirname(logfile), mode=0o750, exist_ok=True)
    if stdin_file is None and stdout_file is None:
        result = utils.RunCmd([path], env=env, cwd=os_obj.path, reset_env=True,
                              output_file=logfile)
    else:
        # The image streams need redirections RunCmd does not do itself; the
        # script's other output is appended to the log ($3).
        redirect = 'exec "$0" <"$1" %s 2>>"$3"' % ('>"$2"' if stdout_file else '>>"$3"')
        result = utils.RunCmd(["/bin/sh", "-c", redirect, path, stdin_file or "/dev/null",
                               stdout_file or "/dev/null", logfile],
                              env=env, cwd=os_obj.path, reset_env=True)
    if result.failed:
        Fail("OS %s script of %s failed for instance %s (%s); last lines of %s:\n%s",
             script, os_obj.name, instance.name, result.fail_reason, logfile, _LogTail(logfile))
    return logfile


def _LoadForInstance(instance: Any, force_variant: bool) -> tuple[objects.OS, str]:
    try:
        os_obj = OSFromDisk(instance.os)
        variant = CheckOSVariant(os_obj, instance.os, force=force_variant)
    except errors.InvalidOS as err:
        Fail("Invalid OS %s for instance %s: %s", err.args[0], instance.name, err.args[2])
    except errors.OpPrereqError as err:
        Fail("%s", err.args[0])
    return os_obj, variant


def InstanceOsAdd(instance: Any, reinstall: bool, debug: int, disk_paths: Sequence[str],
                  force_variant: bool = False) -> str:
    """Run the create script (instance_os_add RPC); returns its log file."""
    os_obj, variant = _LoadForInstance(instance, force_variant)
    env = OSEnvironment(instance, os_obj, debug, disk_paths, variant)
    if reinstall:
        env["INSTANCE_REINSTALL"] = "1"
    return _RunScript(os_obj, constants.OS_SCRIPT_CREATE, "add", instance, env)


def RunRenameInstance(instance: Any, old_name: str, debug: int,
                      disk_paths: Sequence[str]) -> str:
    """Run the rename script (instance_run_rename RPC); instance has the new name."""
    os_obj, variant = _LoadForInstance(instance, True)
    env = OSEnvironment(instance, os_obj, debug, disk_paths, variant)
    env["OLD_INSTANCE_NAME"] = old_name
    return _RunScript(os_obj, constants.OS_SCRIPT_RENAME, "rename", instance, env)


def ExportInstanceDisk(instance: Any, idx: int, debug: int, disk_paths: Sequence[str],
                       dest_file: str) -> str:
    """Run the export script for disk idx, writing its image stream to dest_file."""
    os_obj, variant = _LoadForInstance(instance, True)
    env = OSEnvironment(instance, os_obj, debug, disk_paths, variant)
    env.update({"EXPORT_DEVICE": disk_paths[idx], "EXPORT_PATH": disk_paths[idx],
                "EXPORT_INDEX": str(idx)})
    return _RunScript(os_obj, constants.OS_SCRIPT_EXPORT, "export", instance, env,
                      stdout_file=dest_file)


def ImportInstanceDisk(instance: Any, idx: int, debug: int, disk_paths: Sequence[str],
                       src_file: str) -> str:
    """Run the import script for disk idx, feeding it the image stream in src_file."""
    os_obj, variant = _LoadForInstance(instance, True)
    env = OSEnvironment(instance, os_obj, debug, disk_paths, variant)
    env.update({"IMPORT_DEVICE": disk_paths[idx], "IMPORT_INDEX": str(idx),
                "IMPORT_IDX": str(idx)})
    return _RunScript(os_obj, constants.OS_SCRIPT_IMPORT, "import", instance, env,
                      stdin_file=src_file)
