"""Installs the ganeti package (from lib/), the daemons, the gnt-* commands
and the tools. Development and tests use the tree directly (see Makefile)."""

import glob
import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _Version():
    with open(os.path.join(HERE, "lib", "_version.py")) as fh:
        return re.search(r'RELEASE_VERSION = "([^"]+)"', fh.read()).group(1)


def _Requirements():
    reqs = []
    with open(os.path.join(HERE, "requirements.txt")) as fh:
        for line in fh:
            line = line.strip()
            if line.startswith("# test"):
                break
            if line and not line.startswith("#"):
                reqs.append(line)
    return reqs


def _Packages():
    pkgs = ["ganeti"]
    for dirpath, _, files in os.walk(os.path.join(HERE, "lib")):
        rel = os.path.relpath(dirpath, os.path.join(HERE, "lib"))
        if rel != "." and "__init__.py" in files and "__pycache__" not in rel:
            pkgs.append("ganeti." + rel.replace(os.sep, "."))
    return pkgs


setup(
    name="ganeti",
    version=_Version(),
    description="Cluster manager for virtual machines (Ganeti 2.1 design, Python 3)",
    license="BSD-2-Clause",
    python_requires=">=3.11",
    package_dir={"ganeti": "lib"},
    packages=_Packages(),
    install_requires=_Requirements(),
    scripts=sorted(glob.glob("daemons/ganeti-*") + glob.glob("scripts/gnt-*")),
    data_files=[("share/man/man8", sorted(glob.glob("man/*.8")))],
)
