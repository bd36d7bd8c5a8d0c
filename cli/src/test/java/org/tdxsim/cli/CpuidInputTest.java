package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tdxsim.cli.check.CpuidInput;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

class CpuidInputTest {

    private static java.util.List<KvmCpuidEntry2> parse(String json) {
        return CpuidInput.parse("t.json", JsonInput.parse("t.json", json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void kvmCpuidEntry2ArrayWithHexStringsAndNumbers() {
        var es = parse("[{\"function\":\"0x7\",\"index\":0,\"flags\":1,\"eax\":0,\"ebx\":\"0xDC2B9B18\",\"ecx\":\"0\",\"edx\":4294967295}]");
        assertThat(es).containsExactly(new KvmCpuidEntry2(7, 0, 1, 0, 0xDC2B9B18, 0, -1));
    }

    @Test
    void kvmCpuid2ObjectAndCpuidWrapperAndLeafAliases() {
        var a = parse("{\"nent\":1,\"entries\":[{\"function\":1,\"eax\":2}]}");
        var b = parse("{\"cpuid\":{\"entries\":[{\"function\":1,\"eax\":2}]}}");
        var c = parse("{\"name\":\"x\",\"cpuid\":[{\"leaf\":\"0x00000001\",\"subleaf\":null,\"eax\":\"0x00000002\"}]}");
        assertThat(a).isEqualTo(b).isEqualTo(c).containsExactly(new KvmCpuidEntry2(1, 0, 0, 2, 0, 0, 0));
    }

    @Test
    void indexImpliesSignificantIndexUnlessFlagsAreGiven() {
        assertThat(parse("[{\"function\":4,\"index\":2}]").getFirst().flags())
                .isEqualTo(KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
        assertThat(parse("[{\"function\":4,\"index\":2,\"flags\":0}]").getFirst().flags()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[{\"function\":1,\"eax\":\"0x1FFFFFFFF\"}]|t.json: $[0].eax: 0x1FFFFFFFF does not fit in 32 bits",
        "[{\"function\":1,\"eax\":-1}]|t.json: $[0].eax: -1 is negative",
        "[{\"function\":1,\"eax\":1.5}]|t.json: $[0].eax: 1.5 is not an integer",
        "[{\"function\":1,\"eax\":\"abc\"}]|t.json: $[0].eax: 'abc' is not a number",
        "[{\"function\":1},{\"eax\":1}]|t.json: $[1]: missing 'function'",
        "[{\"function\":1,\"eex\":1}]|t.json: $[0]: unknown key 'eex'",
        "{\"entries\":[], \"nent\":3}|t.json: $.nent is 3 but entries has 0",
        "{\"foo\":1}|t.json: $: expected an array of CPUID entries",
        "[1]|t.json: $[0]: expected an object",
        "{\"cpuid\":{\"entries\":[{\"function\":true}]}}|t.json: $.cpuid.entries[0].function: expected a number",
    })
    void badEntriesNameTheFileAndThePath(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(BadInput.class).hasMessageStartingWith(message)
                .hasMessageNotContaining("\n");
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        assertThatThrownBy(() -> JsonInput.parse("t.json", "[{\"function\":1,}\n]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadInput.class).hasMessageStartingWith("t.json: line 1, column ").hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> JsonInput.parse("t.json", new byte[0])).hasMessage("t.json: empty, expected JSON");
        assertThatThrownBy(() -> JsonInput.parse("t.json", "[] []".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("unexpected content after the JSON value");
    }

    @Test
    void unreadableFiles() {
        assertThatThrownBy(() -> JsonInput.readFile("/nonexistent/x.json", java.io.InputStream.nullInputStream()))
                .hasMessage("/nonexistent/x.json: no such file");
        assertThatThrownBy(() -> JsonInput.readFile("/tmp", java.io.InputStream.nullInputStream()))
                .hasMessage("/tmp: is a directory, expected a JSON file");
    }
}
