package io.vfleet.engine.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BdfTest {

    @Test
    void parsesFullAndShortFormsInEitherCase() {
        assertThat(Bdf.parse("0000:3b:00.0")).isEqualTo(new Bdf(0, 0x3b, 0, 0));
        assertThat(Bdf.parse("0000:3B:1F.7")).isEqualTo(new Bdf(0, 0x3b, 0x1f, 7));
        assertThat(Bdf.parse("3b:00.1")).isEqualTo(new Bdf(0, 0x3b, 0, 1));
        assertThat(Bdf.parse("ffff:ff:1f.7")).isEqualTo(new Bdf(0xffff, 0xff, 0x1f, 7));
    }

    @Test
    void printsTheCanonicalLowercaseForm() {
        assertThat(new Bdf(0, 0x3b, 0x1f, 7)).hasToString("0000:3b:1f.7");
        assertThat(new Bdf(0x10, 0xAB, 2, 1)).hasToString("0010:ab:02.1");
    }

    @Test
    void rangesOfThePciBusAreEnforced() {
        assertThatThrownBy(() -> new Bdf(0, 0x100, 0, 0)).hasMessageContaining("bus 0x100 is outside 0x0..0xff");
        assertThatThrownBy(() -> new Bdf(0, 0, 0x20, 0)).hasMessageContaining("device 0x20 is outside 0x0..0x1f");
        assertThatThrownBy(() -> new Bdf(0, 0, 0, 8)).hasMessageContaining("function 0x8 is outside 0x0..0x7");
        assertThatThrownBy(() -> new Bdf(0x10000, 0, 0, 0)).hasMessageContaining("segment");
        assertThatThrownBy(() -> Bdf.parse("0000:00:00.8")).hasMessageContaining("function 0x8");
    }

    @Test
    void malformedTextIsRefused() {
        for (String text : List.of("", "0000:3b:00", "0000:3b.00.0", "00000:3b:00.0", "0000:3b:00.0 ", "g000:3b:00.0")) {
            assertThatThrownBy(() -> Bdf.parse(text)).as(text).isInstanceOf(TopologyException.class)
                    .hasMessageContaining("is not a PCI address");
        }
    }

    @Test
    void ordersAsLspciListsFunctions() {
        List<Bdf> sorted = new ArrayList<>(List.of(Bdf.parse("0001:00:00.0"), Bdf.parse("0000:3b:00.1"),
                Bdf.parse("0000:3b:00.0"), Bdf.parse("0000:04:1f.0"), Bdf.parse("0000:3a:02.0")));
        Collections.sort(sorted);

        assertThat(sorted).extracting(Bdf::toString)
                .containsExactly("0000:04:1f.0", "0000:3a:02.0", "0000:3b:00.0", "0000:3b:00.1", "0001:00:00.0");
    }

    @Test
    void devfnAndBusName() {
        Bdf bdf = Bdf.parse("0000:3b:1f.7");

        assertThat(bdf.devfn()).isEqualTo(0xff);
        assertThat(bdf.busName()).isEqualTo("0000:3b");
        assertThat(bdf.onSameBus(Bdf.parse("0000:3b:00.0"))).isTrue();
        assertThat(bdf.onSameBus(Bdf.parse("0001:3b:00.0"))).isFalse();
    }

    @Property
    void printedFormParsesBackToTheSameAddress(@ForAll @IntRange(max = 0xffff) int segment, @ForAll @IntRange(max = 0xff) int bus,
                                               @ForAll @IntRange(max = 0x1f) int device, @ForAll @IntRange(max = 7) int function) {
        Bdf bdf = new Bdf(segment, bus, device, function);

        assertThat(Bdf.parse(bdf.toString())).isEqualTo(bdf);
        assertThat(Bdf.parse(bdf.toString().toUpperCase(Locale.ROOT))).isEqualTo(bdf);
    }
}
