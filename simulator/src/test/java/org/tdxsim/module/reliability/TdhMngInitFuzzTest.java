package org.tdxsim.module.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.tdxsim.module.OpState;
import org.tdxsim.module.ReliabilityProbe;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdLifecycle;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.tdparams.TdParams;
import org.tdxsim.module.tdparams.TdParamsLayout;

/**
 * Coverage-guided fuzzing of TDH.MNG.INIT on raw TD_PARAMS bytes (abi §3, §4.1 rows 7–26).
 *
 * <p>In a normal build ({@code ./mvnw verify}) Jazzer runs in regression mode: the method is called once
 * per file of the committed corpus {@code src/test/resources/org/tdxsim/module/reliability/
 * TdhMngInitFuzzTestInputs/tdParams/} (valid images from the codec, each check's boundary, and every
 * finding turned into a seed). Real fuzzing, which mutates those seeds guided by coverage:
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -o -pl simulator test -Dtest=TdhMngInitFuzzTest -Djazzer.max_duration=5m
 * </pre>
 *
 * <p>Property checked for every input: TDH.MNG.INIT returns (never throws) either TDX_SUCCESS or a status
 * of the module's status table with an explanation; a rejected TD stays UNINITIALIZED in
 * TD_KEYS_CONFIGURED and can still be initialised with valid parameters; an accepted TD is INITIALIZED
 * and its TD_PARAMS decode; no lock is left held.
 */
class TdhMngInitFuzzTest {

    private static TdxModule module;
    private static ModuleTds.Td td;
    private static long paramsPa;
    private static int hkidRotation;

    private static synchronized void ensure() {
        if (module == null) {
            module = ModuleTds.ready("1.5.06");
            paramsPa = module.memory().allocatePage();
            fresh();
        }
    }

    private static void fresh() {
        int first = module.globalPrivateHkid() + 1;
        td = ModuleTds.keyed(module, first + hkidRotation++ % 8);
    }

    @FuzzTest(maxDuration = "30s")
    void tdParams(FuzzedDataProvider data) {
        ensure();
        byte[] raw = data.consumeRemainingAsBytes();
        byte[] image = Arrays.copyOf(raw, TdParamsLayout.SIZE);
        module.memory().write(paramsPa, image);
        SeamcallResult r = module.tdhMngInit(td.tdr, paramsPa);
        if (r.isSuccess()) {
            assertThat(module.opState(td.tdr)).contains(OpState.INITIALIZED);
            assertThat(TdParams.decode(module.profile(), image).maxVcpus()).isPositive();
            ModuleTds.teardown(td);
            fresh();
        } else {
            long base = r.rax() & 0xFFFF_FFFF_0000_0000L;
            assertThat(module.profile().statusName(base)).as("status %s is one of the module's", r).isPresent();
            assertThat(r.explanation().summary()).isNotBlank();
            assertThat(module.opState(td.tdr)).contains(OpState.UNINITIALIZED);
            assertThat(module.lifecycle(td.tdr)).contains(TdLifecycle.TD_KEYS_CONFIGURED);
        }
        assertThat(ReliabilityProbe.allLocksFree(module, td.allPages())).isTrue();
        assertThat(module.liveTds()).isEqualTo(1);
    }
}
