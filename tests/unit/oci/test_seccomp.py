from __future__ import annotations

from nerdpy.oci.seccomp import CLONE_NAMESPACE_FLAGS, default_profile


def rules(profile, name):
    return [r for r in profile["syscalls"] if name in r["names"]]


def test_namespace_syscalls_need_sys_admin():
    plain = default_profile(["CAP_CHOWN"], machine="x86_64")
    assert not any(r["action"] == "SCMP_ACT_ALLOW" and not r.get("args") for r in rules(plain, "unshare"))
    clone = rules(plain, "clone")
    assert clone and clone[0]["args"][0]["value"] == CLONE_NAMESPACE_FLAGS
    assert rules(plain, "clone3")[0] == {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
    admin = default_profile(["CAP_SYS_ADMIN"], machine="x86_64")
    assert any(not r.get("args") for r in rules(admin, "clone")) and not rules(admin, "clone3")[0].get("errnoRet")


def test_shape():
    profile = default_profile([], machine="x86_64")
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO" and profile["defaultErrnoRet"] == 1
    assert profile["architectures"][0] == "SCMP_ARCH_X86_64"
    assert rules(profile, "arch_prctl") and not rules(default_profile([], machine="aarch64"), "arch_prctl")
    assert not rules(profile, "keyctl") and not rules(profile, "add_key")
    personas = [r["args"][0]["value"] for r in rules(profile, "personality")]
    assert 0 in personas and 0xFFFFFFFF in personas


_OPS = {"SCMP_CMP_NE": lambda a, v: a != v, "SCMP_CMP_LT": lambda a, v: a < v,
        "SCMP_CMP_EQ": lambda a, v: a == v, "SCMP_CMP_GT": lambda a, v: a > v}


def allowed(profile, name, args):
    """runc's reading of a profile: conditions on one argument are ORed, different ones ANDed."""
    for rule in rules(profile, name):
        if rule["action"] != "SCMP_ACT_ALLOW":
            continue
        by_index = {}
        for cond in rule.get("args") or []:
            by_index.setdefault(cond["index"], []).append(_OPS[cond["op"]](args[cond["index"]], cond["value"]))
        if all(any(hits) for hits in by_index.values()):
            return True
    return False


def test_socket_refuses_vsock_and_alg_only():
    profile = default_profile([], machine="x86_64")
    assert not allowed(profile, "socket", [40]) and not allowed(profile, "socket", [38])  # AF_VSOCK, AF_ALG
    assert all(allowed(profile, "socket", [family]) for family in (1, 2, 10, 16, 17, 37, 39, 41, 44))
