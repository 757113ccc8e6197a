"""ganeti.objects: JSON round trips, type checks naming the field, upgrades."""

import pytest

from ganeti import constants, errors, objects


def _Instance(**kwargs):
    params = dict(name="inst1.example.com", primary_node="node1.example.com", os="busybox",
                  hypervisor="kvm", disk_template="plain",
                  nics=[objects.NIC(mac="aa:00:00:11:22:33", ip="192.0.2.10",
                                    nicparams={"mode": "bridged", "link": "br0"})],
                  disks=[objects.Disk(dev_type=constants.LD_LV, logical_id=["xenvg", "disk0"],
                                      size=1024, iv_name="disk/0")],
                  hvparams={constants.HV_ACPI: False}, beparams={constants.BE_MEMORY: 256},
                  tags=["web"])
    params.update(kwargs)
    return objects.Instance(**params)


def _Every():
    cluster = objects.Cluster(cluster_name="c.example.com", master_node="node1.example.com",
                              master_ip="192.0.2.1", uid_pool=[(1000, 1009)], tags=["a"])
    node = objects.Node(name="node1.example.com", primary_ip="192.0.2.2", secondary_ip="10.0.0.2",
                        master_candidate=True)
    drbd = objects.Disk(dev_type=constants.LD_DRBD8, size=512,
                        logical_id=["node1.example.com", "node2.example.com", 11000, 0, 1, "s"],
                        children=[objects.Disk(dev_type=constants.LD_LV, logical_id=["vg", "d"],
                                               size=512)])
    inst = _Instance(disks=[drbd], disk_template=constants.DT_DRBD8)
    os_obj = objects.OS(name="busybox", path="/srv/ganeti/os/busybox", api_versions=[10, 15],
                        supported_variants=["a", "b"])
    config = objects.ConfigData(cluster=cluster, nodes={node.name: node},
                                instances={inst.name: inst})
    return [cluster, node, inst, inst.nics[0], drbd, os_obj, config]


@pytest.mark.parametrize("obj", _Every(), ids=lambda o: type(o).__name__)
def test_round_trip_every_object(obj):
    data = obj.ToDict()
    again = type(obj).FromDict(data)
    assert again.ToDict() == data
    assert again is not obj


def test_round_trip_through_json_text():
    from ganeti import serializer
    config = _Every()[-1]
    text = serializer.DumpJson(config.ToDict())
    again = objects.ConfigData.FromDict(serializer.LoadJson(text))
    assert serializer.DumpJson(again.ToDict()) == text
    inst = again.instances["inst1.example.com"]
    assert inst.disks[0].children[0].logical_id == ["vg", "d"]
    assert inst.secondary_nodes == ["node2.example.com"]
    assert inst.all_nodes == ["node1.example.com", "node2.example.com"]


def test_wrong_type_names_the_field():
    data = _Every()[-1].ToDict()
    data["nodes"]["node1.example.com"]["primary_ip"] = 12
    with pytest.raises(errors.ConfigurationError) as err:
        objects.ConfigData.FromDict(data)
    assert "nodes['node1.example.com'].primary_ip" in str(err.value)
    assert "expected a string" in str(err.value)


def test_unknown_key_names_the_field():
    data = _Every()[-1].ToDict()
    data["instances"]["inst1.example.com"]["nics"][0]["colour"] = "red"
    with pytest.raises(errors.ConfigurationError) as err:
        objects.ConfigData.FromDict(data)
    assert "nics[0]" in str(err.value) and "colour" in str(err.value)


def test_bool_is_not_an_int():
    with pytest.raises(errors.ConfigurationError, match="serial_no"):
        objects.Node.FromDict({"name": "n", "primary_ip": "1.2.3.4", "serial_no": True})


def test_null_only_where_allowed():
    assert objects.NIC.FromDict({"mac": "aa:00:00:00:00:01", "ip": None}).ip is None
    with pytest.raises(errors.ConfigurationError, match="must not be null"):
        objects.Node.FromDict({"name": None, "primary_ip": "1.2.3.4"})


def test_unknown_attribute_assignment_refused():
    node = objects.Node(name="n", primary_ip="1.2.3.4")
    with pytest.raises(AttributeError):
        node.primry_ip = "x"


def test_uuids_added_once_and_immutable():
    node = objects.Node(name="n", primary_ip="1.2.3.4")
    assert node.uuid is None
    node.UpgradeConfig()
    first = node.uuid
    assert first and len(first) == 36
    node.UpgradeConfig()
    assert node.uuid == first
    node.uuid = first  # same value: fine
    with pytest.raises(errors.ProgrammerError):
        node.uuid = "another"


def test_upgrade_adds_distinct_uuids_everywhere():
    config = _Every()[-1]
    config.UpgradeConfig()
    uuids = [config.cluster.uuid] + [n.uuid for n in config.nodes.values()] + \
        [i.uuid for i in config.instances.values()]
    assert all(uuids) and len(set(uuids)) == len(uuids)
    again = objects.ConfigData.FromDict(config.ToDict())
    assert again.cluster.uuid == config.cluster.uuid


def test_nicparams_filled_and_overridden():
    cluster = objects.Cluster(cluster_name="c", master_node="n", master_ip="1.1.1.1")
    cluster.UpgradeConfig()
    assert cluster.SimpleFillNIC({}) == constants.NICC_DEFAULTS
    filled = cluster.SimpleFillNIC({"link": "br7"})
    assert filled == {"mode": "bridged", "link": "br7"}
    routed = cluster.SimpleFillNIC({"mode": "routed"})
    assert routed["mode"] == "routed" and routed["link"] == constants.DEFAULT_BRIDGE


def test_routed_nic_without_ip_rejected():
    with pytest.raises(errors.ConfigurationError, match="routed NIC needs an IP"):
        objects.NIC.CheckParameterSyntax({"mode": "routed", "link": "table1"}, None)
    objects.NIC.CheckParameterSyntax({"mode": "routed", "link": ""}, "192.0.2.5")
    with pytest.raises(errors.ConfigurationError, match="Invalid NIC mode"):
        objects.NIC.CheckParameterSyntax({"mode": "bridge", "link": "br0"}, None)


def test_global_hvparams_dropped_on_upgrade_and_fill():
    inst = _Instance(hvparams={constants.HV_MIGRATION_PORT: 1, constants.HV_ACPI: False})
    cluster = objects.Cluster(cluster_name="c", master_node="n", master_ip="1.1.1.1",
                              enabled_hypervisors=["kvm"])
    cluster.UpgradeConfig()
    assert cluster.FillHV(inst)[constants.HV_MIGRATION_PORT] == 1
    inst.UpgradeConfig()
    assert inst.hvparams == {constants.HV_ACPI: False}
    filled = cluster.FillHV(inst)
    assert filled[constants.HV_ACPI] is False
    assert filled[constants.HV_MIGRATION_PORT] == 8102  # the cluster's value
    assert constants.HV_MIGRATION_PORT not in cluster.FillHV(inst, skip_globals=True)


def test_beparams_fill():
    cluster = objects.Cluster(cluster_name="c", master_node="n", master_ip="1.1.1.1")
    cluster.UpgradeConfig()
    inst = _Instance()
    assert cluster.FillBE(inst) == {"memory": 256, "vcpus": 1, "auto_balance": True}


def test_20_nic_bridge_and_default_bridge_upgraded():
    nic = objects.NIC.FromDict({"mac": "aa:00:00:00:00:01", "ip": None, "bridge": "xen-br1"})
    nic.UpgradeConfig()
    assert nic.bridge is None and nic.nicparams == {"mode": "bridged", "link": "xen-br1"}
    assert "bridge" not in nic.ToDict()
    cluster = objects.Cluster(cluster_name="c", master_node="n", master_ip="1.1.1.1",
                              default_bridge="br9", default_hypervisor="fake",
                              enabled_hypervisors=["kvm", "fake"])
    cluster.UpgradeConfig()
    assert cluster.nicparams["default"]["link"] == "br9"
    assert cluster.default_bridge is None
    assert cluster.enabled_hypervisors == ["fake", "kvm"]


def test_tags():
    node = objects.Node(name="n", primary_ip="1.2.3.4")
    node.AddTag("role:web")
    node.AddTag("role:web")
    assert node.GetTags() == ["role:web"]
    for bad in ("", "x" * 200, "has space", 5):
        with pytest.raises(errors.TagError):
            node.AddTag(bad)
    node.RemoveTag("role:web")
    with pytest.raises(errors.TagError):
        node.RemoveTag("role:web")


def test_os_variant_split():
    assert objects.OS.SplitNameVariant("debootstrap+lenny") == ("debootstrap", "lenny")
    assert objects.OS.SplitNameVariant("debootstrap") == ("debootstrap", "")


def test_copy_is_deep():
    inst = _Instance()
    copy = inst.Copy()
    copy.nics[0].nicparams["link"] = "other"
    assert inst.nics[0].nicparams["link"] == "br0"


def test_node_role_precedence():
    node = objects.Node(name="n2", primary_ip="1.2.3.4")
    assert node.GetRole("n1") == constants.NR_REGULAR
    node.offline = True
    assert node.GetRole("n1") == constants.NR_OFFLINE
    node.drained = True
    assert node.GetRole("n1") == constants.NR_DRAINED
    node.master_candidate = True
    assert node.GetRole("n1") == constants.NR_MCANDIDATE
    assert node.GetRole("n2") == constants.NR_MASTER
