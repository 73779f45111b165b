package io.vfleet.inventory.domain;

import static io.vfleet.inventory.support.Registrations.H100;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfleet.inventory.support.Registrations;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistrationRulesTest {
    private final RegistrationRules rules = new RegistrationRules(new RegistrationLimits(16, 64));

    @Test
    void soundGpuServerPasses() {
        assertThatCode(() -> rules.check(Registrations.gpuServer("gpu-01", 8).build())).doesNotThrowAnyException();
    }

    @Test
    void emptyNodeNameIsRefused() {
        assertThat(problemsOf(Registrations.gpuServer("", 2).build())).containsExactly("name: the node name must not be empty");
    }

    @Test
    void nodeNameThatIsNoHostNameIsRefused() {
        assertThat(problemsOf(Registrations.gpuServer("gpu 01", 1).build()))
                .containsExactly("name: 'gpu 01' is not a host name (letters, digits, '.', '-')");
    }

    @Test
    void duplicateBdfIsRefusedNamingBothPlaces() {
        NodeRegistration registration = Registrations.node("gpu-01")
                .device(gpu("0000:10:00.0"), 10)
                .device(gpu("0000:11:00.0"), 11)
                .device(gpu("0000:10:00.0"), null)
                .build();

        assertThat(problemsOf(registration)).containsExactly("devices[2].bdf: duplicate BDF 0000:10:00.0 (also devices[0])");
    }

    @Test
    void deviceInTwoIommuGroupsIsRefused() {
        NodeRegistration sound = Registrations.node("gpu-01").device(gpu("0000:10:00.0"), 10).device(gpu("0000:11:00.0"), 11).build();
        List<IommuGroup> groups = new ArrayList<>(sound.topology().iommuGroups());
        groups.set(1, new IommuGroup(11, Registrations.APERTURE_48_BIT, List.of(), List.of("0000:11:00.0", "0000:10:00.0")));

        assertThat(problemsOf(withGroups(sound, groups)))
                .containsExactly("iommuGroups[1].members[1]: device 0000:10:00.0 is in IOMMU group 10 and IOMMU group 11");
    }

    @Test
    void resetSetNamingAnUnknownDeviceIsRefused() {
        NodeRegistration registration = Registrations.node("gpu-01").device(gpu("0000:10:00.0"), 10)
                .resetSet("bus:0000:10", "0000:10:00.0", "0000:10:00.1")
                .build();

        assertThat(problemsOf(registration))
                .containsExactly("resetSets[0].members[1]: reset set bus:0000:10 names unknown device 0000:10:00.1");
    }

    @Test
    void iommuGroupNamingAnUnknownDeviceIsRefused() {
        NodeRegistration sound = Registrations.node("gpu-01").device(gpu("0000:10:00.0"), 10).build();
        List<IommuGroup> groups = List.of(new IommuGroup(10, Registrations.APERTURE_48_BIT, List.of(), List.of("0000:10:00.0", "0000:99:00.0")));

        assertThat(problemsOf(withGroups(sound, groups))).containsExactly("iommuGroups[0].members[1]: unknown device 0000:99:00.0");
    }

    @Test
    void moreDevicesThanTheLimitAreRefusedWithoutReadingThem() {
        Registrations registration = Registrations.node("gpu-01");
        for (int index = 0; index < 17; index++) {
            registration.device(gpu(Registrations.gpuBdf(index)), null);
            registration.device(gpu(Registrations.gpuBdf(0)), null);
        }

        assertThat(problemsOf(registration.build())).containsExactly("devices: 34 devices, more than the 16 a registration may hold");
    }

    @Test
    void overlongTextIsRefused() {
        NodeRegistration registration = Registrations.node("gpu-01")
                .device(new Device("0000:10:00.0", H100, "d".repeat(65), null, false, false, null), 10)
                .build();

        assertThat(problemsOf(registration)).containsExactly("devices[0].driver: 65 characters, more than 64");
    }

    @Test
    void sriovParentMustBeADeviceOfTheNode() {
        NodeRegistration registration = Registrations.node("nic-01")
                .device(new Device("0000:41:00.2", Registrations.CONNECTX_VF, "vfio-pci", "vfio0", false, false, "0000:41:00.0"), 23)
                .build();

        assertThat(problemsOf(registration)).containsExactly("devices[0].sriovParent: unknown device 0000:41:00.0");
    }

    @Test
    void malformedBdfIsRefusedButAnEmulatedDeviceGoesByItsName() {
        NodeRegistration registration = Registrations.node("gpu-01")
                .device(gpu("10:00.0"), null)
                .device(new Device("mtty-0", new PciId(0, 0, 0), "mtty", "vfio1", false, true, null), null)
                .build();

        assertThat(problemsOf(registration)).containsExactly("devices[0].bdf: '10:00.0' is not a PCI address"
                + " (segment:bus:device.function in lower-case hexadecimal, such as 0000:3b:00.0)");
    }

    @Test
    void noiommuDeviceInAnIommuGroupIsRefused() {
        NodeRegistration registration = Registrations.node("gpu-01")
                .device(new Device("0000:10:00.0", H100, "vfio-pci", "noiommu-0", true, false, null), 10)
                .build();

        assertThat(problemsOf(registration))
                .containsExactly("iommuGroups[0].members[0]: 0000:10:00.0 is a noiommu device, which has no IOMMU group");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        NodeRegistration registration = Registrations.node("")
                .device(gpu("0000:10:00.0"), 10)
                .device(gpu("0000:10:00.0"), null)
                .resetSet("bus:0000:10", "0000:77:00.0")
                .build();

        assertThat(problemsOf(registration)).hasSize(3);
    }

    private static Device gpu(String bdf) {
        return new Device(bdf, H100, "vfio-pci", null, false, false, null);
    }

    private static NodeRegistration withGroups(NodeRegistration registration, List<IommuGroup> groups) {
        Topology topology = registration.topology();
        return new NodeRegistration(registration.name(), registration.agent(), registration.kernel(),
                new Topology(topology.devices(), groups, topology.resetSets()));
    }

    private List<String> problemsOf(NodeRegistration registration) {
        RegistrationRefused refused = catchThrowableOfType(RegistrationRefused.class, () -> rules.check(registration));
        assertThat(refused).as("refused").isNotNull();
        return refused.problems();
    }
}
