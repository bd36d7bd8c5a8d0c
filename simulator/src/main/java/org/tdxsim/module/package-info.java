/**
 * The stateful TDX-module model: {@link org.tdxsim.module.TdxModule} takes SEAMCALLs register-in /
 * register-out on a logical processor and keeps the module's state — global state machine
 * (abi §7.1), PAMT page types and owners, the Key Ownership Table (§7.4), each TD's TDR/TDCS with
 * lifecycle and OP_STATE (§7.2, §7.3), TDVPS, Secure-EPT and the MRTD measurement.
 *
 * <p>One handler per leaf, checks in the module's order, each check returning exactly one status
 * (names resolved per version from the {@code ModuleProfile}); the TD_PARAMS content checks of
 * TDH.MNG.INIT live in {@code org.tdxsim.module.tdparams}. Handlers are grouped by concept:
 * {@code SysLeaves}, {@code TdLeaves}, {@code VcpuLeaves}, {@code MemLeaves}, {@code PhymemLeaves};
 * shared operand checks are in {@code Checks}, named after the module's helpers.
 *
 * <p>{@link org.tdxsim.module.FaultInjector} ({@code TdxModule.faults()}) injects the failures a
 * host cannot provoke on demand — lock contention, PCONFIG busy, no entropy — at the exact check
 * where the module makes them ({@link org.tdxsim.module.FaultPoint} lists each with its source), so
 * host software's failure paths can be tested; nothing else in the model is randomised.
 */
package org.tdxsim.module;
