#!/usr/bin/env python3
"""Example client of `tdxsim serve --stdio`: the TDX simulator as a test oracle (Python stdlib only).

Usage:
    examples/oracle_client.py                      # starts ./tdxsim serve --stdio next to this folder
    examples/oracle_client.py -- CMD ARG...        # starts the given server command instead

The protocol is JSON lines: one request object per line on the server's stdin, one response per line
on its stdout, in order. Every response has "id" (echoed) and "ok"; "ok": false means the *request* was
bad (see "error": {"code", "message"}). A simulated failure -- a TDX status, an errno -- is a normal
"ok": true answer carrying that status. See README.md, "Oracle protocol".

Exits 0 when every expectation below held, 1 otherwise.
"""

import json
import os
import subprocess
import sys


class OracleError(Exception):
    """The server refused a request (protocol-level error)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


class Oracle:
    """One server process = one session (handles live until closed or the session ends)."""

    def __init__(self, command):
        self._proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, encoding="utf-8", bufsize=1)
        self._next_id = 0

    def raw(self, line):
        """Sends one raw line (for protocol tests) and returns the parsed response."""
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        reply = self._proc.stdout.readline()
        if not reply:
            raise RuntimeError("server closed its output")
        return json.loads(reply)

    def call(self, op, **fields):
        """Sends {"op": op, **fields}; returns the response, raises OracleError if "ok" is false."""
        self._next_id += 1
        request = {"id": self._next_id, "op": op, **fields}
        response = self.raw(json.dumps(request))
        if response.get("id") != self._next_id:
            raise RuntimeError(f"response id {response.get('id')} does not match request {self._next_id}")
        if not response["ok"]:
            raise OracleError(response["error"]["code"], response["error"]["message"])
        return response

    def close(self):
        self._proc.stdin.close()
        code = self._proc.wait(timeout=60)
        if code != 0:
            raise RuntimeError(f"server exited with {code}")


FAILURES = []


def expect(what, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f"  ({detail})" if detail and not condition else ""))
    if not condition:
        FAILURES.append(what)


def main(argv):
    if "--" in argv:
        command = argv[argv.index("--") + 1:]
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        command = [os.path.join(here, "..", "tdxsim"), "serve", "--stdio"]
    oracle = Oracle(command)
    try:
        hello = oracle.call("hello")
        expect("hello names the protocol version", hello["protocol"] == 1, hello)

        # 1. Decode a status a VMM got back in kvm_tdx_cmd.hw_error.
        ex = oracle.call("explain", status="0xC000010000000045")
        names = {v["module"]: v["describe"] for v in ex["versions"]}
        expect("0xC000010000000045 is OPERAND_INVALID|CPUID_CONFIG in every version",
               set(names.values()) == {"TDX_OPERAND_INVALID|CPUID_CONFIG(69)"}, names)

        # 2. SEAMCALL level: a module instance brought up like Linux does, then a TD built with raw SEAMCALLs.
        module = oracle.call("module.new", module="1.5.06", handle="m")
        expect("module 1.5.06 comes up on the default platform", module["ready"], module["bring_up"])
        tdr = oracle.call("memory.alloc_page", handle="m")["pa"]
        bad = oracle.call("seamcall", handle="m", leaf="TDH.MNG.CREATE", rcx=tdr, rdx=1)
        expect("TDH.MNG.CREATE with a non-private HKID fails with OPERAND_INVALID|RDX",
               bad["status_name"] == "TDX_OPERAND_INVALID|RDX(2)", bad["status_name"])
        print("     why: " + bad["explanation"]["summary"])
        hkid = module["private_hkid_min"] + 1          # the first private HKID is the module's global one
        steps = [("TDH.MNG.CREATE", {"rcx": tdr, "rdx": hkid}), ("TDH.MNG.KEY.CONFIG", {"rcx": tdr})]
        for _ in range(module["tdcs_pages"]):
            steps.append(("TDH.MNG.ADDCX", {"rcx": oracle.call("memory.alloc_page", handle="m")["pa"], "rdx": tdr}))
        statuses = [oracle.call("seamcall", handle="m", leaf=leaf, **regs)["status_name"] for leaf, regs in steps]
        expect("TDH.MNG.CREATE, KEY.CONFIG and ADDCX succeed", set(statuses) == {"TDX_SUCCESS"}, statuses)
        # TD_PARAMS as fields: the server encodes them (module 1.5.06 layout), places them in a page, RDX = its address.
        # CPUID(1).EDX bit 0 (FPU) is not configurable, so TDH.MNG.INIT must refuse it with OPERAND_INVALID|CPUID_CONFIG.
        td_params = {"attributes": "0x10000000", "xfam": "0x3", "max_vcpus": 1, "tsc_frequency": 100,
                     "cpuid_config": [{"edx": "0x1"}]}
        init = oracle.call("seamcall", handle="m", leaf="TDH.MNG.INIT", rcx=tdr, td_params=td_params)
        expect("TDH.MNG.INIT refuses a non-configurable CPUID bit", init["status"] == "0xC000010000000045", init["status_name"])
        for line in init["explanation"]["details"]:
            print("     " + line)
        td_params["cpuid_config"] = []
        init = oracle.call("seamcall", handle="m", leaf="TDH.MNG.INIT", rcx=tdr, td_params=td_params)
        expect("TDH.MNG.INIT accepts the corrected TD_PARAMS", init["success"], init["explanation"])

        # 3. KVM level: the simulated kernel, one ioctl per request, structs as JSON.
        oracle.call("kvm.open", module="2.0.08", handle="kvm")
        oracle.call("ioctl", fd="kvm", ioctl="KVM_CREATE_VM", type=5, handle="vm")
        caps = oracle.call("ioctl", fd="vm", ioctl="KVM_TDX_CAPABILITIES")
        expect("KVM_TDX_CAPABILITIES reports only SEPT_VE_DISABLE as supported attribute",
               caps["supported_attrs"] == "0x0000000010000000", caps["supported_attrs"])
        gpaw46 = [{"function": "0x80000008", "index": 0, "eax": "0x002E0000"}]    # GuestPhysBits 46
        r = oracle.call("ioctl", fd="vm", ioctl="KVM_TDX_INIT_VM", attributes="0x10000000", xfam="0x3", cpuid=gpaw46)
        expect("KVM_TDX_INIT_VM with GuestPhysBits 46 returns -EINVAL", r["errno_name"] == "EINVAL", r)
        print("     why: " + r["explanation"])
        gpaw48 = [{"function": "0x80000008", "index": 0, "eax": "0x00300000"}]
        r = oracle.call("ioctl", fd="vm", ioctl="KVM_TDX_INIT_VM", attributes="0x10000000", xfam="0x3", cpuid=gpaw48)
        expect("KVM_TDX_INIT_VM with GuestPhysBits 48 succeeds", r["result"] == 0, r)
        oracle.call("ioctl", fd="vm", ioctl="KVM_ENABLE_CAP", ioapic_pins=24)
        oracle.call("ioctl", fd="vm", ioctl="KVM_CREATE_VCPU", vcpu_id=0, handle="cpu0")
        cpuid = oracle.call("ioctl", fd="cpu0", ioctl="KVM_TDX_GET_CPUID")["cpuid"]
        leaf = next(e for e in cpuid if e["function"] == "0x80000008")
        expect("KVM_TDX_GET_CPUID reports GuestPhysBits 48 back", (int(leaf["eax"], 16) >> 16) & 0xFF == 48, leaf)

        # 4. Protocol errors do not end the session.
        broken = oracle.raw("{this is not json")
        expect("a malformed line gets an error response", not broken["ok"] and broken["error"]["code"] == "malformed")
        try:
            oracle.call("seamcall", handle="no-such-handle", leaf="TDH.SYS.RD")
            expect("an unknown handle is refused", False)
        except OracleError as e:
            expect("an unknown handle is refused", e.code == "bad_handle", e)
        expect("the session still answers", oracle.call("hello")["ok"])
        oracle.call("close", handle="m")
        oracle.call("close", handle="cpu0")
        oracle.call("close", handle="vm")
        oracle.call("close", handle="kvm")
    finally:
        oracle.close()
    print(f"{len(FAILURES)} failed" if FAILURES else "all expectations held")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
