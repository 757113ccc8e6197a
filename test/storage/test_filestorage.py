"""File disks and file storage directories, on the real file system."""

from __future__ import annotations

import os

import pytest

from ganeti import constants, errors
from ganeti.storage import NodeContext, filestorage
from ganeti.storage.filestorage import FileStorage

MIB = 1024 * 1024


@pytest.fixture
def storage_dir(tmp_path):
    path = tmp_path / "file-storage"
    (path / "inst1.example.com").mkdir(parents=True)
    return str(path)


@pytest.fixture
def ctx(storage_dir):
    return NodeContext("node1", file_storage_dirs=[storage_dir])


def _Id(path):
    return (constants.FD_LOOP, path)


def test_create_makes_sparse_file_of_size(storage_dir, ctx):
    path = os.path.join(storage_dir, "inst1.example.com", "disk0")
    dev = FileStorage.Create(_Id(path), [], 1024, ctx)
    st = os.stat(path)
    assert st.st_size == 1024 * MIB
    assert st.st_blocks * 512 < MIB  # sparse: nothing allocated yet
    assert st.st_mode & 0o777 == 0o600
    assert dev.attached and dev.dev_path == os.path.realpath(path)
    assert dev.GetActualSize() == 1024


def test_create_refuses_existing_file(storage_dir, ctx):
    path = os.path.join(storage_dir, "inst1.example.com", "disk0")
    with open(path, "w") as fh:
        fh.write("precious")
    with pytest.raises(errors.BlockDeviceError, match="already exists"):
        FileStorage.Create(_Id(path), [], 16, ctx)
    with open(path) as fh:
        assert fh.read() == "precious"


def test_create_needs_instance_dir(storage_dir, ctx):
    path = os.path.join(storage_dir, "no-such-instance", "disk0")
    with pytest.raises(errors.BlockDeviceError, match="does not exist"):
        FileStorage.Create(_Id(path), [], 16, ctx)


def test_grow_and_remove(storage_dir, ctx):
    path = os.path.join(storage_dir, "inst1.example.com", "disk0")
    dev = FileStorage.Create(_Id(path), [], 100, ctx)
    dev.Grow(28, dryrun=True)
    assert os.stat(path).st_size == 100 * MIB
    dev.Grow(28)
    assert os.stat(path).st_size == 128 * MIB
    assert os.stat(path).st_blocks * 512 < MIB
    with pytest.raises(errors.BlockDeviceError):
        dev.Grow(-4)
    dev.Remove()
    assert not os.path.exists(path)
    dev.Remove()  # removing a missing disk is fine
    assert not dev.Attach()


def test_rename_never_overwrites(storage_dir, ctx):
    base = os.path.join(storage_dir, "inst1.example.com")
    dev = FileStorage.Create(_Id(os.path.join(base, "disk0")), [], 8, ctx)
    other = FileStorage.Create(_Id(os.path.join(base, "disk1")), [], 4, ctx)
    with pytest.raises(errors.BlockDeviceError, match="Cannot rename"):
        dev.Rename(_Id(other.path))
    assert other.GetActualSize() == 4
    dev.Rename(_Id(os.path.join(base, "disk0.old")))
    assert dev.path.endswith("disk0.old") and os.path.exists(dev.path)
    assert not os.path.exists(os.path.join(base, "disk0"))


@pytest.mark.parametrize("relative", [
    "../outside",
    "inst1.example.com/../../outside",
    "inst1.example.com/../../file-storage-evil/disk0",
])
def test_dotdot_outside_refused(storage_dir, ctx, relative):
    path = os.path.join(storage_dir, relative)
    with pytest.raises(errors.FileStoragePathError, match="outside"):
        FileStorage.Create(_Id(path), [], 16, ctx)
    assert not os.path.exists(os.path.normpath(path))


def test_dotdot_staying_inside_allowed(storage_dir, ctx):
    path = os.path.join(storage_dir, "inst1.example.com", "..", "inst1.example.com", "disk0")
    dev = FileStorage.Create(_Id(path), [], 4, ctx)
    assert dev.path == os.path.join(os.path.realpath(storage_dir), "inst1.example.com", "disk0")


def test_symlinked_dir_outside_refused(tmp_path, storage_dir, ctx):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(str(outside), os.path.join(storage_dir, "evil"))
    with pytest.raises(errors.FileStoragePathError):
        FileStorage.Create(_Id(os.path.join(storage_dir, "evil", "disk0")), [], 4, ctx)
    assert os.listdir(str(outside)) == []


def test_symlinked_file_outside_refused(tmp_path, storage_dir, ctx):
    target = tmp_path / "etc-shadow"
    target.write_text("secret")
    link = os.path.join(storage_dir, "inst1.example.com", "disk0")
    os.symlink(str(target), link)
    for action in (lambda: FileStorage(_Id(link), [], 4, ctx),
                   lambda: FileStorage.Create(_Id(link), [], 4, ctx)):
        with pytest.raises(errors.FileStoragePathError):
            action()
    assert target.read_text() == "secret"


def test_storage_dir_itself_and_relative_refused(storage_dir, ctx):
    for path in (storage_dir, storage_dir + "/", "inst1/disk0", ""):
        with pytest.raises(errors.FileStoragePathError):
            FileStorage.Create(_Id(path), [], 4, ctx)


def test_prefix_sibling_dir_refused(tmp_path, storage_dir, ctx):
    sibling = storage_dir + "2"  # ".../file-storage2" shares the prefix only
    os.mkdir(sibling)
    with pytest.raises(errors.FileStoragePathError):
        FileStorage.Create(_Id(os.path.join(sibling, "disk0")), [], 4, ctx)


def test_no_storage_dir_configured(storage_dir):
    with pytest.raises(errors.FileStoragePathError, match="No file storage directory"):
        FileStorage(_Id(os.path.join(storage_dir, "x")), [], 4, NodeContext("node1"))


@pytest.mark.parametrize("allowed", ["/", "/etc", "/usr/lib/ganeti", "/dev/shm", "relative"])
def test_system_dirs_cannot_be_storage_dirs(allowed):
    with pytest.raises(errors.FileStoragePathError):
        filestorage.CheckFileStoragePath(os.path.join("/" + allowed.strip("/"), "x", "disk0"),
                                         [allowed])


def test_invalid_driver_refused(storage_dir, ctx):
    with pytest.raises(errors.BlockDeviceError, match="driver"):
        FileStorage(("nbd", os.path.join(storage_dir, "x")), [], 4, ctx)


def test_storage_dir_create_remove_rename(tmp_path, storage_dir):
    allowed = [storage_dir]
    new = os.path.join(storage_dir, "inst2.example.com")
    assert filestorage.CreateFileStorageDir(new, allowed) == os.path.realpath(new)
    assert os.path.isdir(new)
    filestorage.CreateFileStorageDir(new, allowed)  # idempotent
    renamed = os.path.join(storage_dir, "inst3.example.com")
    filestorage.RenameFileStorageDir(new, renamed, allowed)
    assert os.path.isdir(renamed) and not os.path.exists(new)
    filestorage.RenameFileStorageDir(new, renamed, allowed)  # already done: fine
    with open(os.path.join(renamed, "disk0"), "w"):
        pass
    with pytest.raises(errors.StorageError, match="disk0"):
        filestorage.RemoveFileStorageDir(renamed, allowed)
    os.unlink(os.path.join(renamed, "disk0"))
    filestorage.RemoveFileStorageDir(renamed, allowed)
    assert not os.path.exists(renamed)
    filestorage.RemoveFileStorageDir(renamed, allowed)  # missing: fine
    with pytest.raises(errors.FileStoragePathError):
        filestorage.CreateFileStorageDir(str(tmp_path / "elsewhere"), allowed)
    with pytest.raises(errors.FileStoragePathError):
        filestorage.RemoveFileStorageDir(storage_dir, allowed)
    assert os.path.isdir(storage_dir)
