package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NoiommuPolicyTest {

    private static final List<String> NOIOMMU_NIC = List.of("0000:05:00.0");

    @Test
    void anAllowedTenantOnAnEnablingNodeMayHaveANoiommuDevice() {
        TenantPolicy trusted = new TenantPolicy("acme", 8, 1, true);

        assertThat(NoiommuPolicy.check(trusted, NOIOMMU_NIC, SampleNode.topology("n1", true))).isEmpty();
    }

    @Test
    void aTenantNotAllowedIsRefused() {
        assertThat(NoiommuPolicy.check(TenantPolicy.defaults("acme"), NOIOMMU_NIC, SampleNode.topology("n1", true)))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.rule()).isEqualTo(Violation.Rule.NOIOMMU_NOT_ALLOWED);
                    assertThat(violation.detail()).contains("tenant acme");
                });
    }

    @Test
    void aNodeWhoseKernelDoesNotEnableItIsRefusedEvenForAnAllowedTenant() {
        TenantPolicy trusted = new TenantPolicy("acme", 8, 1, true);

        assertThat(NoiommuPolicy.check(trusted, NOIOMMU_NIC, SampleNode.topology("n1", false)))
                .singleElement()
                .satisfies(violation -> assertThat(violation.detail()).contains("node n1"));
    }

    @Test
    void physicalDevicesAreNotConcerned() {
        assertThat(NoiommuPolicy.check(TenantPolicy.defaults("acme"), List.of("0000:01:00.0"), SampleNode.topology()))
                .isEmpty();
    }
}
