package org.tdxsim.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableLongArray;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import org.tdxsim.cli.BadInput;
import org.tdxsim.cli.Profiles;
import org.tdxsim.cli.check.CheckJson;
import org.tdxsim.cli.check.CheckRequest;
import org.tdxsim.cli.check.CpuidInput;
import org.tdxsim.cli.check.TdCheck;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmError;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/**
 * KVM-level operations on a simulated kernel: {@code kvm.open} gives a /dev/kvm handle, {@code ioctl}
 * issues one ioctl by its uapi name on a handle, with the struct given as JSON fields. The typed client
 * encodes the struct to the kernel's bytes and the simulated kernel decodes them, so a response carries
 * exactly what the kernel returns: 0 or {@code -errno}, {@code hw_error}, and the kernel's reason.
 */
final class KvmOps {
    private KvmOps() {}

    /** A simulated kernel and its open /dev/kvm. */
    record KernelHandle(SimulatedKernel kernel, Kvm kvm) implements AutoCloseable {
        @Override
        public void close() {
            kvm.close();
            kernel.close();
        }
    }

    /** One ioctl: handle kind it runs on, and the call. */
    private record Ioctl(Class<?> on, String onWhat, BiFunction<Request, Object, ObjectNode> call) {}

    private static Map<String, Ioctl> ioctls(Session session) {
        return Map.ofEntries(
                Map.entry("KVM_GET_API_VERSION", new Ioctl(KernelHandle.class, "a kvm handle",
                        (r, h) -> result(((KernelHandle) h).kvm().getApiVersion()))),
                Map.entry("KVM_CHECK_EXTENSION", new Ioctl(Object.class, "a kvm or vm handle", (r, h) -> {
                    int cap = (int) r.unsigned("cap", 32);
                    return result(h instanceof KernelHandle k ? k.kvm().checkExtension(cap) : vm(h).checkExtension(cap));
                })),
                Map.entry("KVM_CREATE_VM", new Ioctl(KernelHandle.class, "a kvm handle", (r, h) -> {
                    VmFd vm = ((KernelHandle) h).kvm().createVm(r.unsigned("type", 32, KvmConstants.KVM_X86_TDX_VM));
                    ObjectNode o = result(0);
                    o.put("handle", session.put("vm", r.optString("handle"), vm));
                    return o;
                })),
                Map.entry("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)", new Ioctl(VmFd.class, "a vm handle", (r, h) -> {
                    vm(h).enableSplitIrqchip((int) r.unsigned("ioapic_pins", 32, 24));
                    return result(0);
                })),
                Map.entry("KVM_SET_TSC_KHZ", new Ioctl(VmFd.class, "a vm handle", (r, h) -> {
                    vm(h).setTscKhz(r.unsigned("khz", 32));
                    return result(0);
                })),
                Map.entry("KVM_CREATE_VCPU", new Ioctl(VmFd.class, "a vm handle", (r, h) -> {
                    VcpuFd v = vm(h).createVcpu(r.unsigned("vcpu_id", 32, 0));
                    ObjectNode o = result(0);
                    o.put("handle", session.put("vcpu", r.optString("handle"), v));
                    return o;
                })),
                Map.entry("KVM_TDX_CAPABILITIES", new Ioctl(VmFd.class, "a vm handle", (r, h) -> {
                    // With "nent": one call, as given (so -E2BIG shows); without: QEMU's doubling loop.
                    KvmTdxCapabilities c = r.has("nent") ? vm(h).tdxCapabilities((int) r.unsigned("nent", 16))
                            : QemuProtocols.tdxCapabilities(vm(h));
                    ObjectNode o = result(0);
                    o.put("supported_attrs", hex64(c.supportedAttrs()));
                    o.put("supported_xfam", hex64(c.supportedXfam()));
                    o.put("kernel_tdvmcallinfo_1_r11", hex64(c.kernelTdvmcallinfo1R11()));
                    o.put("user_tdvmcallinfo_1_r11", hex64(c.userTdvmcallinfo1R11()));
                    o.put("kernel_tdvmcallinfo_1_r12", hex64(c.kernelTdvmcallinfo1R12()));
                    o.put("user_tdvmcallinfo_1_r12", hex64(c.userTdvmcallinfo1R12()));
                    entries(o.putArray("cpuid"), c.cpuid().entries());
                    return o;
                })),
                Map.entry("KVM_TDX_INIT_VM", new Ioctl(VmFd.class, "a vm handle", (r, h) -> {
                    KvmCpuid2 cpuid = cpuid(r, "cpuid");
                    KvmTdxInitVm init = new KvmTdxInitVm(r.unsigned("attributes", 64, 0), r.unsigned("xfam", 64, 0),
                            words(r, "mrconfigid", KvmTdxInitVm.SHA384_WORDS), words(r, "mrowner", KvmTdxInitVm.SHA384_WORDS),
                            words(r, "mrownerconfig", KvmTdxInitVm.SHA384_WORDS), words(r, "reserved", KvmTdxInitVm.RESERVED_WORDS),
                            r.has("cpuid_padding") ? new KvmCpuid2(cpuid.nent(), (int) r.unsigned("cpuid_padding", 32),
                                    cpuid.entries()) : cpuid);
                    // No EAGAIN loop here: the client sees -EAGAIN exactly as the kernel returns it.
                    vm(h).tdxInitVm(init);
                    return result(0);
                })),
                Map.entry("KVM_TDX_FINALIZE_VM", new Ioctl(VmFd.class, "a vm handle", (r, h) -> {
                    vm(h).tdxFinalizeVm();
                    return result(0);
                })),
                Map.entry("KVM_SET_CPUID2", new Ioctl(VcpuFd.class, "a vcpu handle", (r, h) -> {
                    ((VcpuFd) h).setCpuid2(cpuid(r, "cpuid"));
                    return result(0);
                })),
                Map.entry("KVM_TDX_GET_CPUID", new Ioctl(VcpuFd.class, "a vcpu handle", (r, h) -> {
                    KvmCpuid2 c = r.has("nent") ? ((VcpuFd) h).tdxGetCpuid((int) r.unsigned("nent", 16))
                            : QemuProtocols.tdxGetCpuid((VcpuFd) h);
                    ObjectNode o = result(0);
                    entries(o.putArray("cpuid"), c.entries());
                    return o;
                })),
                Map.entry("KVM_TDX_INIT_VCPU", new Ioctl(VcpuFd.class, "a vcpu handle", (r, h) -> {
                    ((VcpuFd) h).tdxInitVcpu(r.unsigned("rcx", 64, 0));
                    return result(0);
                })),
                Map.entry("KVM_RUN", new Ioctl(VcpuFd.class, "a vcpu handle", (r, h) -> {
                    ((VcpuFd) h).run();
                    return result(0);
                })));
    }

    static void register(OracleServer server, Session session) {
        Map<String, Ioctl> table = ioctls(session);
        server.register("kvm.open", r -> {
            var m = Profiles.builtInModule("module", r.optString("module").orElse(Profiles.defaultModule()));
            var p = Profiles.builtInPlatform("platform", r.optString("platform").orElse(Profiles.defaultPlatform()));
            SimulatedKernel k = SimulatedKernel.create(m, p);
            Kvm kvm;
            try {
                kvm = Kvm.open(k);
            } catch (KvmException e) {
                k.close();
                return failure(e.error());
            }
            ObjectNode o = result(0);
            o.put("handle", session.put("kvm", r.optString("handle"), new KernelHandle(k, kvm)));
            o.put("module", m.version().label());
            o.put("platform", p.name());
            o.put("tdx_enabled", k.tdxEnabled());
            k.tdxDisabledReason().ifPresent(x -> o.put("tdx_disabled_reason", x));
            return o;
        });
        server.register("ioctl", r -> {
            String name = r.string("ioctl").toUpperCase(Locale.ROOT);
            if (name.equals("KVM_ENABLE_CAP")) {
                name = "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)";
            }
            Ioctl io = table.get(name);
            if (io == null) {
                throw Request.bad("ioctl", "unsupported ioctl '" + r.string("ioctl") + "'; supported: "
                        + String.join(", ", new java.util.TreeSet<>(table.keySet())));
            }
            Object h = session.get(r.string("fd"), io.on(), io.onWhat());
            try {
                return io.call().apply(r, h);
            } catch (KvmException e) {
                return failure(e.error());
            }
        });
        server.register("check", r -> {
            var m = Profiles.builtInModule("module", r.optString("module").orElse(Profiles.defaultModule()));
            var p = Profiles.builtInPlatform("platform", r.optString("platform").orElse(Profiles.defaultPlatform()));
            if (!r.has("cpuid")) {
                throw Request.missing("cpuid", "an array of kvm_cpuid_entry2 objects");
            }
            var entries = CpuidInput.parse("cpuid", r.node("cpuid"));
            OptionalLong attrs = r.has("attributes") ? OptionalLong.of(r.unsigned("attributes", 64)) : OptionalLong.empty();
            OptionalLong xfam = r.has("xfam") ? OptionalLong.of(r.unsigned("xfam", 64)) : OptionalLong.empty();
            OptionalInt gpb = OptionalInt.empty();
            if (r.has("guest_phys_bits")) {
                long v = r.unsigned("guest_phys_bits", 8);
                gpb = OptionalInt.of((int) v);
            }
            return CheckJson.of(TdCheck.run(new CheckRequest(m, p, entries, attrs, xfam, gpb)));
        });
    }

    private static VmFd vm(Object h) {
        return (VmFd) h;
    }

    static ObjectNode result(long value) {
        ObjectNode o = OracleServer.obj();
        o.put("result", value);
        o.putNull("errno");
        return o;
    }

    /** A failed ioctl: the raw {@code -errno} result, the errno, hw_error and the kernel's reason. */
    static ObjectNode failure(KvmError e) {
        ObjectNode o = OracleServer.obj();
        o.put("result", -e.errno());
        o.put("errno", e.errno());
        o.put("errno_name", e.errnoName());
        if (e.hwError().isPresent()) {
            o.put("hw_error", hex64(e.hwError().getAsLong()));
            e.hwErrorName().ifPresent(n -> o.put("hw_error_name", n));
        } else {
            o.putNull("hw_error");
        }
        e.neededEntries().ifPresent(n -> o.put("nent", n));
        e.explanation().ifPresentOrElse(x -> o.put("explanation", x), () -> o.putNull("explanation"));
        return o;
    }

    private static KvmCpuid2 cpuid(Request r, String field) {
        JsonNode n = r.node(field);
        if (n.isMissingNode() || n.isNull()) {
            return KvmCpuid2.of(List.of());
        }
        try {
            ImmutableList<KvmCpuidEntry2> es = CpuidInput.parse(field, n);
            return KvmCpuid2.of(es);
        } catch (BadInput e) {
            throw new ProtocolError(ProtocolError.Code.bad_field, e.getMessage());
        }
    }

    private static ImmutableLongArray words(Request r, String field, int n) {
        if (!r.has(field)) {
            long[] z = new long[n];
            return ImmutableLongArray.copyOf(z);
        }
        JsonNode a = r.node(field);
        if (!a.isArray() || a.size() != n) {
            throw Request.bad(field, "expected an array of " + n + " 64-bit words");
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = Request.unsigned(field + "[" + i + "]", a.get(i), 64);
        }
        return ImmutableLongArray.copyOf(v);
    }

    static void entries(ArrayNode a, List<KvmCpuidEntry2> es) {
        for (KvmCpuidEntry2 e : es) {
            ObjectNode n = a.addObject();
            n.put("function", String.format("0x%08X", e.function()));
            n.put("index", Integer.toUnsignedLong(e.index()));
            n.put("flags", Integer.toUnsignedLong(e.flags()));
            n.put("eax", String.format("0x%08X", e.eax()));
            n.put("ebx", String.format("0x%08X", e.ebx()));
            n.put("ecx", String.format("0x%08X", e.ecx()));
            n.put("edx", String.format("0x%08X", e.edx()));
        }
    }

    static String hex64(long v) {
        return String.format("0x%016X", v);
    }
}
