"""A single-node cluster with a real ganeti-masterd and ganeti-rapi, for RAPI tests.

The node lives under its own GANETI_ROOTDIR on a random 127.x.y.1 address:
config.data from testutils.MakeCluster, ssconf files, the hosts file,
server.pem and rapi.pem from ganeti.utils.x509, a users file. Both daemons
are started as they would be on a master (they detach and report readiness)
and killed by PID at the end.
"""

import os
import subprocess
import sys

import testutils

from ganeti import constants, ssconf
from ganeti.utils import x509

NODE = "node1.example.com"
USERS = "writer wpass write\nreader rpass\n"


class RapiCluster:
    def __init__(self, root, reaper, rapi_args=()):
        self.root = str(root)
        self.net = testutils.RandomLoopbackNet()
        self.ip = self.net + ".1"
        self.port = constants.DEFAULT_RAPI_PORT
        self.reaper = reaper
        self.env = dict(os.environ, GANETI_ROOTDIR=self.root, GANETI_HOSTNAME=NODE)
        self.data_dir = os.path.join(self.root, "var/lib/ganeti")
        self.config_file = os.path.join(self.data_dir, "config.data")
        self.users_file = os.path.join(self.data_dir, "rapi_users")
        self.cert_file = os.path.join(self.data_dir, "rapi.pem")
        self.log_file = os.path.join(self.root, "var/log/ganeti/rapi.log")
        self._Setup()
        self.StartDaemon("ganeti-masterd")
        self.StartDaemon("ganeti-rapi", "-b", self.ip, "-p", str(self.port), *rapi_args)

    def _Setup(self):
        os.makedirs(os.path.join(self.root, "etc/ganeti"))
        with open(os.path.join(self.root, "etc/ganeti/hosts"), "w") as fh:
            fh.write("%s %s node1\n" % (self.ip, NODE))
        cfg = testutils.MakeCluster(self.config_file, nodes=1, net=self.net)
        ssconf.WriteSsconfFiles(cfg.GetSsconfValues(), self.data_dir)
        x509.GenerateSelfSignedSslCert(os.path.join(self.data_dir, "server.pem"),
                                       "cluster.example.com")
        x509.GenerateSelfSignedSslCert(self.cert_file, "cluster.example.com")
        with open(self.users_file, "w") as fh:
            fh.write(USERS)

    def PidFile(self, name):
        return os.path.join(self.root, "var/run/ganeti/%s.pid" % name)

    def StartDaemon(self, name, *args):
        result = subprocess.run([sys.executable, os.path.join(_DAEMONS, name), *args],
                                env=self.env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError("%s failed to start (%s): %s %s" % (
                name, result.returncode, result.stdout, result.stderr))
        with open(self.PidFile(name)) as fh:
            pid = int(fh.read().strip())
        self.reaper.Add(pid)
        return pid

    def Pid(self, name):
        with open(self.PidFile(name)) as fh:
            return int(fh.read().strip())

    def ReadConfig(self):
        with open(self.config_file, "rb") as fh:
            return fh.read()


_DAEMONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "daemons")
