package org.tdxsim.module.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.PageType;
import org.tdxsim.module.ReliabilityProbe;
import org.tdxsim.module.Registers;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdLifecycle;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.profile.TdField;

/**
 * What the module protects stays protected: a production TD's debug-only metadata is not host-readable,
 * no bit outside a field's host write mask can be written, a page owned by one TD can be neither added
 * to, reclaimed through nor read through another, and TDH.MNG.RD refuses every handle that is not a
 * live TDR (abi §6.2 "Host access and ATTRIBUTES.DEBUG", §6.5 H-prod/H-dbg columns, §7.2, §1.1).
 */
class ProtectionTest {

    static final long OP_STATE = 0x9010000200000004L;
    /** TD-context classes of the L2 S-EPT roots, absent without L2 VMs (the TD_PARAMS here have none). */
    static final Set<Integer> L2_CLASSES = Set.of(0x25, 0x29, 0x2D);
    static final int CPUID_VALUES_CLASS = 20;

    private static boolean plainField(TdField f) {
        return f.classCode() != CPUID_VALUES_CLASS && !L2_CLASSES.contains(f.classCode());
    }

    private static String statusName(TdxModule m, SeamcallResult r) {
        return m.profile().statusName(r.rax() & 0xFFFF_FFFF_0000_0000L).orElse("?");
    }

    // ---------------------------------------------------------------- debug-only fields

    /**
     * Every TD field whose production host read mask is 0 reads as TDX_METADATA_FIELD_NOT_READABLE on a
     * production TD, for both table versions; on a debug TD the same field is readable iff its debug mask
     * is non-zero. The spec's examples (abi §6.2/§6.5: NOTIFY_ENABLES, RTMR, CPUID_VALID, TD_CTLS) are
     * among them.
     */
    @Test
    void productionTdRefusesDebugOnlyFields() {
        for (String v : List.of("1.5.06", "2.0.08")) {
            TdxModule m = ModuleTds.ready(v);
            ModuleTds.Td prod = ModuleTds.initialized(m, m.globalPrivateHkid() + 1, false, 1);
            ModuleTds.Td dbg = ModuleTds.initialized(m, m.globalPrivateHkid() + 2, true, 1);
            List<String> debugOnly = new ArrayList<>();
            for (TdField f : m.profile().tdFields()) {
                if (!plainField(f) || f.hostReadMaskProd() != 0) {
                    continue;
                }
                SeamcallResult rp = m.tdhMngRd(prod.tdr, f.fieldId(), 0);
                assertThat(rp.rax()).as("%s %s on a production TD: %s", v, f.name(), rp)
                        .isEqualTo(m.profile().status("TDX_METADATA_FIELD_NOT_READABLE"));
                assertThat(rp.r8()).as("nothing leaks in R8").isZero();
                SeamcallResult rd = m.tdhMngRd(dbg.tdr, f.fieldId(), 0);
                if (f.hostReadMaskDebug() != 0) {
                    assertThat(rd.isSuccess()).as("%s %s on a debug TD: %s", v, f.name(), rd).isTrue();
                    debugOnly.add(f.name());
                } else {
                    assertThat(rd.rax()).as("%s %s", v, f.name())
                            .isEqualTo(m.profile().status("TDX_METADATA_FIELD_NOT_READABLE"));
                }
            }
            assertThat(debugOnly).as("%s debug-only fields", v).contains("NOTIFY_ENABLES", "RTMR", "CPUID_VALID", "TD_CTLS");
            System.out.println("[rel] " + v + ": " + debugOnly.size() + " debug-only TD fields refused on a production TD");
        }
    }

    /** TDH.VP.RD of VCPU_STATE (debug-only, [M1.5.01] tdvps_fields_lookup) on a production TD's vCPU. */
    @Test
    void productionVcpuStateIsNotReadable() {
        TdxModule m = ModuleTds.ready("1.5.06");
        ModuleTds.Td prod = ModuleTds.initialized(m, m.globalPrivateHkid() + 1, false, 1);
        long tdvpr = ModuleTds.vcpu(prod);
        assertThat(m.tdhVpRd(tdvpr, 0xA020000000000000L, 0).rax())
                .isEqualTo(m.profile().status("TDX_METADATA_FIELD_NOT_READABLE"));
        ModuleTds.Td dbg = ModuleTds.initialized(m, m.globalPrivateHkid() + 2, true, 1);
        assertThat(m.tdhVpRd(ModuleTds.vcpu(dbg), 0xA020000000000000L, 0).isSuccess()).isTrue();
    }

    // ---------------------------------------------------------------- write masks

    private TdxModule wm;
    private ModuleTds.Td wprod;
    private ModuleTds.Td wdbg;
    private int writes;

    @BeforeProperty
    void writeTargets() {
        wm = ModuleTds.ready("1.5.06");
        wprod = ModuleTds.initialized(wm, wm.globalPrivateHkid() + 1, false, 1);
        wdbg = ModuleTds.initialized(wm, wm.globalPrivateHkid() + 2, true, 1);
    }

    @Provide
    Arbitrary<TdField> tdFields() {
        return Arbitraries.of(org.tdxsim.module.profile.ModuleProfiles.builtIn("1.5.06").tdFields().stream().filter(ProtectionTest::plainField).toList());
    }

    @Provide
    Arbitrary<Long> masks() {
        return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(-1L, 0L, 1L, 0xFFL, 0x8000_0000_0000_0000L));
    }

    /**
     * Property: for any TD field, element, value, write mask and debug/production TD, TDH.MNG.WR changes
     * only bits inside the field's host write mask (for this TD kind): a request with no writable bit is
     * TDX_METADATA_FIELD_NOT_WRITABLE, and every bit outside the mask reads back unchanged whatever the
     * outcome. Only the spec's host-writable fields (abi §6.2: HP_LOCK_TIMEOUT, VM_CTLS, NOTIFY_ENABLES
     * for debug TDs) ever accept a write.
     */
    @Property(tries = 2000)
    void nothingOutsideTheHostWriteMaskChanges(@ForAll("tdFields") TdField f, @ForAll boolean debug,
                                               @ForAll("masks") long value, @ForAll("masks") long mask,
                                               @ForAll("elementPicks") int elementPick) {
        ModuleTds.Td td = debug ? wdbg : wprod;
        long id = f.fieldId() + Math.floorMod(elementPick, Math.max(1, f.numElements()));
        long readMask = f.hostReadMask(debug);
        long writeMask = f.hostWriteMask(debug);
        SeamcallResult before = wm.tdhMngRd(td.tdr, id, 0);
        SeamcallResult w = wm.tdhMngWr(td.tdr, id, value, mask);
        SeamcallResult after = wm.tdhMngRd(td.tdr, id, 0);
        if ((writeMask & mask) == 0) {
            assertThat(w.rax()).as("%s mask %x: %s", f.name(), mask, w)
                    .isEqualTo(wm.profile().status("TDX_METADATA_FIELD_NOT_WRITABLE"));
        }
        if (w.isSuccess()) {
            writes++;
            assertThat(f.name()).isIn(debug ? Set.of("HP_LOCK_TIMEOUT", "VM_CTLS", "NOTIFY_ENABLES")
                    : Set.of("HP_LOCK_TIMEOUT", "VM_CTLS"));
        }
        if (before.isSuccess()) {
            assertThat(after.isSuccess()).isTrue();
            long outside = readMask & ~(writeMask & mask);
            assertThat(after.r8() & outside).as("%s bits outside the write mask after %s", f.name(), w)
                    .isEqualTo(before.r8() & outside);
        } else {
            assertThat(after.rax()).as("%s readability does not change", f.name()).isEqualTo(before.rax());
        }
    }

    @Provide
    Arbitrary<Integer> elementPicks() {
        return Arbitraries.integers().between(0, 1000);
    }

    // ---------------------------------------------------------------- cross-TD pages

    /**
     * Pages of TD A cannot be taken by TD B: as a new TDCS, TDVPR, TDVPS, S-EPT or private page (PAMT
     * type not PT_NDA → TDX_PAGE_METADATA_INCORRECT with the operand), not reclaimed while A lives (the
     * owner's lifecycle decides, TDX_LIFECYCLE_STATE_INCORRECT), and B cannot measure or read A's GPAs.
     * A's pages keep their type, owner and content throughout.
     */
    @Test
    void oneTdsPagesCannotBeUsedThroughAnother() {
        TdxModule m = ModuleTds.ready("1.5.06");
        ModuleTds.Td a = ModuleTds.initialized(m, m.globalPrivateHkid() + 1, false, 1);
        long aVcpu = ModuleTds.vcpu(a);
        ModuleTds.sept(a, 0);
        byte[] secret = new byte[4096];
        java.util.Arrays.fill(secret, (byte) 0x5A);
        long aPage = ModuleTds.pageAdd(a, 0, secret);
        ModuleTds.Td b = ModuleTds.initialized(m, m.globalPrivateHkid() + 2, false, 1);
        long bVcpu = m.memory().allocatePage();
        ModuleTds.ok(m.tdhVpCreate(bVcpu, b.tdr), "B VP.CREATE");
        ModuleTds.sept(b, 0);
        long aChildren = ReliabilityProbe.childCount(m, a.tdr);

        long metadata = m.profile().status("TDX_PAGE_METADATA_INCORRECT", "RCX");
        for (long p : a.allPages()) {
            assertThat(m.tdhVpCreate(p, b.tdr).rax()).as("B VP.CREATE on A's %x", p).isEqualTo(metadata);
            assertThat(m.tdhVpAddcx(p, bVcpu).rax()).as("B VP.ADDCX on A's %x", p).isEqualTo(metadata);
            assertThat(m.tdhMemPageAdd(0x1000, b.tdr, p, m.memory().allocatePage()).rax()).as("B PAGE.ADD onto A's %x", p)
                    .isEqualTo(m.profile().status("TDX_PAGE_METADATA_INCORRECT", "R8"));
            assertThat(m.tdhMemSeptAdd(0x4000_0000L | 2, b.tdr, p).rax()).as("B SEPT.ADD with A's %x", p)
                    .isEqualTo(m.profile().status("TDX_PAGE_METADATA_INCORRECT", "R8"));
        }
        // ADDCX needs an uninitialised TD; a fresh TD C in KEYS_CONFIGURED tries to take A's pages
        ModuleTds.Td c = ModuleTds.keyed(m, m.globalPrivateHkid() + 3);
        for (long p : a.allPages()) {
            assertThat(m.tdhMngAddcx(p, c.tdr).rax()).as("C ADDCX of A's %x", p).isEqualTo(metadata);
        }
        // B measures/reads only its own GPAs: A's GPA 0 is not mapped in B
        assertThat(m.tdhMrExtend(0, b.tdr).rax()).isEqualTo(m.profile().status("TDX_EPT_ENTRY_NOT_PRESENT", "RCX"));
        // B torn down: reclaiming A's pages is refused because their owner A is alive
        ModuleTds.ok(m.tdhMngVpflushdone(b.tdr), "B VPFLUSHDONE");
        ModuleTds.ok(m.tdhPhymemCacheWb(0), "CACHE.WB");
        ModuleTds.ok(m.tdhMngKeyFreeid(b.tdr), "B FREEID");
        assertThat(m.lifecycle(b.tdr)).contains(TdLifecycle.TD_TEARDOWN);
        for (long p : a.allPages()) {
            SeamcallResult r = m.tdhPhymemPageReclaim(p);
            assertThat(r.rax()).as("reclaim of A's %x while A lives: %s", p, r)
                    .isEqualTo(m.profile().status("TDX_LIFECYCLE_STATE_INCORRECT"));
        }
        assertThat(ReliabilityProbe.childCount(m, a.tdr)).isEqualTo(aChildren);
        assertThat(m.pageType(aPage)).isEqualTo(PageType.PT_REG);
        assertThat(m.pageType(aVcpu)).isEqualTo(PageType.PT_TDVPR);
        assertThat(m.lifecycle(a.tdr)).contains(TdLifecycle.TD_KEYS_CONFIGURED);
    }

    // ---------------------------------------------------------------- TDH.MNG.RD handles

    /**
     * TDH.MNG.RD (abi §6.2: "TDR must be a valid TDR page (|RCX)") on everything that is not a live
     * TDR: a TDR address carrying HKID bits (OPERAND_INVALID|RCX), misaligned (OPERAND_INVALID|RCX),
     * outside the TDMR (OPERAND_ADDR_RANGE_ERROR|RCX), another TD's TDCS/TDVPR/S-EPT/private page and a
     * free page (PAGE_METADATA_INCORRECT|RCX), a reclaimed TDR (PAGE_METADATA_INCORRECT|RCX), a TD in
     * TEARDOWN (TDX_TD_KEYS_NOT_CONFIGURED). R8 stays 0 on every failure.
     */
    @Test
    void mngRdRefusesEverythingButALiveTdr() {
        TdxModule m = ModuleTds.ready("1.5.06");
        ModuleTds.Td a = ModuleTds.initialized(m, m.globalPrivateHkid() + 1, false, 1);
        long aVcpu = ModuleTds.vcpu(a);
        ModuleTds.sept(a, 0);
        long aPage = ModuleTds.pageAdd(a, 0, new byte[4096]);
        long invalid = m.profile().status("TDX_OPERAND_INVALID", "RCX");
        long metadata = m.profile().status("TDX_PAGE_METADATA_INCORRECT", "RCX");
        record Case(String what, long rcx, long status) {}
        List<Case> cases = new ArrayList<>(List.of(
                new Case("TDR with HKID bits", m.memory().withHkid(a.tdr, a.hkid), invalid),
                new Case("misaligned TDR", a.tdr + 8, invalid),
                new Case("outside the TDMR", 0x2000, m.profile().status("TDX_OPERAND_ADDR_RANGE_ERROR", "RCX")),
                new Case("TDCS page", a.tdcs.getFirst(), metadata),
                new Case("TDVPR", aVcpu, metadata),
                new Case("S-EPT page", a.septPages.getFirst(), metadata),
                new Case("private page", aPage, metadata),
                new Case("free page", m.memory().allocatePage(), metadata)));
        // both TDs exist before either is torn down, so the allocator cannot hand one's pages to the other
        ModuleTds.Td gone = ModuleTds.initialized(m, m.globalPrivateHkid() + 2, false, 1);
        ModuleTds.Td dying = ModuleTds.initialized(m, m.globalPrivateHkid() + 3, false, 1);
        ModuleTds.teardown(gone);
        cases.add(new Case("reclaimed TDR", gone.tdr, metadata));
        ModuleTds.ok(m.tdhMngVpflushdone(dying.tdr), "VPFLUSHDONE");
        ModuleTds.ok(m.tdhPhymemCacheWb(0), "CACHE.WB");
        ModuleTds.ok(m.tdhMngKeyFreeid(dying.tdr), "FREEID");
        cases.add(new Case("TD in TEARDOWN", dying.tdr, m.profile().status("TDX_TD_KEYS_NOT_CONFIGURED")));
        for (Case c : cases) {
            for (int version = 0; version <= 1; version++) {
                SeamcallResult r = m.seamcall(0, new Registers(Registers.raxFor(11, version), c.rcx(), OP_STATE, 0, 0, 0, 0));
                assertThat(r.rax()).as("%s v%d: %s (%s)", c.what(), version, r, statusName(m, r)).isEqualTo(c.status());
                assertThat(r.r8()).as("%s: R8", c.what()).isZero();
            }
        }
        assertThat(m.tdhMngRd(a.tdr, OP_STATE, 0).isSuccess()).isTrue();
    }
}
