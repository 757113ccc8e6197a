"""ganeti.backend.files: the upload allow-list, atomic uploads, ssconf writes."""

import os

import pytest

from ganeti import backend, constants, pathutils
from ganeti.backend import files
from ganeti.rpc import defs


def _Upload(path, data=b"content", mode=0o640, times=(1000000000, 1200000000)):
    files.UploadFile(path, data, mode, -1, -1, times[0], times[1])


def test_upload_config_data(noderoot):
    _Upload(pathutils.CLUSTER_CONF_FILE, b'{"version": 2010000}\n')
    st = os.stat(pathutils.CLUSTER_CONF_FILE)
    assert open(pathutils.CLUSTER_CONF_FILE, "rb").read() == b'{"version": 2010000}\n'
    assert st.st_mode & 0o7777 == 0o640
    assert (int(st.st_atime), int(st.st_mtime)) == (1000000000, 1200000000)
    assert pathutils.CLUSTER_CONF_FILE.startswith(str(noderoot))


@pytest.mark.parametrize("name", ["server.pem", "rapi.pem", "rapi_users", "hmac.key",
                                  "known_hosts"])
def test_cluster_files_allowed(noderoot, name):
    path = os.path.join(pathutils.DATA_DIR, name)
    _Upload(path, mode=0o400)
    assert os.stat(path).st_mode & 0o777 == 0o400


@pytest.mark.parametrize("path", ["/etc/passwd", "/root/.ssh/authorized_keys",
                                  "/var/lib/ganeti/queue/job-1", "/var/lib/ganeti",
                                  "/var/lib/ganeti/config.data.bak"])
def test_other_files_refused(noderoot, path):
    local = pathutils.Prefix(path)
    with pytest.raises(backend.RPCFail, match="not allowed"):
        _Upload(local)
    assert not os.path.isfile(local)


def test_dotdot_cannot_escape_the_allow_list(noderoot):
    proc = defs.GetProcedure("upload_file")
    args = proc.DecodeArgs(["/var/lib/ganeti/../../../etc/shadow", defs.EncodeData(b"x"),
                            0o600, -1, -1, 0, 0])
    assert args[0] == str(noderoot) + "/etc/shadow"
    with pytest.raises(backend.RPCFail):
        files.UploadFile(*args)


def test_files_to_distribute_list(noderoot):
    target = pathutils.Prefix("/etc/xen/xend-config.sxp")
    with pytest.raises(backend.RPCFail):
        _Upload(target)
    _Upload(pathutils.FILE_LIST_TO_DISTRIBUTE,
            b"# shipped by redistribute-config\n\n/etc/xen/xend-config.sxp\nrelative/file\n"
            b"  /etc/network/../default/xen  \n")
    assert files.ReadDistributionList() == ["/etc/xen/xend-config.sxp", "/etc/default/xen"]
    _Upload(target, b"(xend-relocation-server yes)\n")
    assert open(target).read() == "(xend-relocation-server yes)\n"
    _Upload(pathutils.Prefix("/etc/default/xen"))


def test_hypervisor_ancillary_files_allowed(noderoot):
    assert pathutils.DEFAULT_VNC_PASSWORD_FILE in files.GetAllowedUploadFiles()
    _Upload(pathutils.DEFAULT_VNC_PASSWORD_FILE, b"secret\n", mode=0o600)


def test_invalid_mode_refused(noderoot):
    with pytest.raises(backend.RPCFail, match="Invalid mode"):
        _Upload(pathutils.CLUSTER_CONF_FILE, mode=0o100000)


def test_write_ssconf_files(noderoot):
    files.WriteSsconfFiles({constants.SS_CLUSTER_NAME: "cluster.example.com",
                            constants.SS_MASTER_NODE: "node1.example.com"})
    assert open(pathutils.GetSsconfFilename(constants.SS_MASTER_NODE)).read() == \
        "node1.example.com"
    with pytest.raises(backend.RPCFail, match="Unknown ssconf keys"):
        files.WriteSsconfFiles({"evil": "x"})
    with pytest.raises(backend.RPCFail):
        files.WriteSsconfFiles(["not", "a", "dict"])
