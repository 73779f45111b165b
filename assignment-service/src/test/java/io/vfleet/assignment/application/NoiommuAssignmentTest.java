package io.vfleet.assignment.application;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.vfleet.api.assignment.v1.AssignRequest;
import io.vfleet.api.assignment.v1.AssignResponse;
import io.vfleet.api.assignment.v1.AssignedDevice;
import io.vfleet.api.assignment.v1.AssignmentState;
import io.vfleet.api.assignment.v1.DeviceKind;
import io.vfleet.assignment.adapter.agent.AgentsOverGrpc;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.assignment.support.ServiceGrpc;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.engine.process.Capability;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * noiommu devices for a tenant allowed them, against a real agent on noiommu-host: the I210 ports
 * 00:03.0 and 00:04.0 have no IOMMU group (noiommu, v11 cdev), the NVMe drive 01:00.0 is behind the IOMMU.
 */
@ServiceTest
class NoiommuAssignmentTest extends ServiceTestBase {

    private static final String NODE = "edge-noiommu-02";
    private static final String PORT_1 = "0000:00:03.0";
    private static final String PORT_2 = "0000:00:04.0";
    private static final String NVME = "0000:01:00.0";

    @TempDir
    Path state;

    @Autowired
    MockMvcTester mvc;

    private InProcessAgent running;

    @BeforeEach
    void startTheAgentAndAllowNoiommu() {
        running = InProcessAgent.start(InProcessAgent.shipped("noiommu-host"), state);
        agents.route(NODE, AgentsOverGrpc.of(Map.of(NODE, running.channel())));
        topologies.replace(running.topology(), 3);
        assertThat(mvc.put().uri("/api/v1/tenants/acme").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"maxDevices\":8,\"maxPinnedBytes\":1073741824,\"noiommuAllowed\":true}")).hasStatusOk();
    }

    @AfterEach
    void stopTheAgent() throws InterruptedException {
        running.close();
    }

    private Set<Capability> capabilitiesOfTheVmmHolding(String bdf) {
        return running.inspect(kernel -> kernel.pids().stream().map(kernel::process)
                .filter(process -> process.files().openDescriptors().stream()
                        .anyMatch(fd -> process.files().get(fd) instanceof io.vfleet.engine.vfio.VfioDeviceFile file
                                && file.device().name().equals(bdf)))
                .findFirst().orElseThrow().spec().capabilities());
    }

    @Test
    void aNoiommuDeviceBecomesActiveThroughRestAndTheAnswerSaysItIsUnsafe() throws Exception {
        MvcTestResult created = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"acme\",\"node\":\"" + NODE + "\",\"devices\":[\"" + PORT_1 + "\",\"" + NVME + "\"]}")
                .exchange();

        assertThat(created).hasStatus(HttpStatus.CREATED);
        assertThat(created).bodyJson().extractingPath("$.state").isEqualTo("ACTIVE");
        assertThat(created).bodyJson().extractingPath("$.devices[0].bdf").isEqualTo(PORT_1);
        assertThat(created).bodyJson().extractingPath("$.devices[0].unsafe").isEqualTo(true);
        assertThat(created).bodyJson().extractingPath("$.devices[0].kind").isEqualTo("NOIOMMU");
        assertThat(created).bodyJson().extractingPath("$.devices[0].devid").isNotNull();
        assertThat(created).bodyJson().extractingPath("$.devices[0].hwptId").isNull();
        assertThat(created).bodyJson().extractingPath("$.devices[1].unsafe").isEqualTo(false);
        assertThat(created).bodyJson().extractingPath("$.devices[1].kind").isEqualTo("PHYSICAL");
        assertThat(created).bodyJson().extractingPath("$.devices[1].hwptId").isNotNull();
        assertThat(capabilitiesOfTheVmmHolding(PORT_1)).containsExactly(Capability.CAP_SYS_RAWIO);

        String id = JsonPath.read(created.getResponse().getContentAsString(), "$.id");
        assertThat(mvc.get().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer acme-token"))
                .hasStatusOk().bodyJson().extractingPath("$.devices[0].unsafe").isEqualTo(true);
        assertThat(mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.state").isEqualTo("RELEASED");
        int opens = running.inspect(kernel -> kernel.vfioDevice(PORT_1).openCount());
        assertThat(opens).isZero();
    }

    @Test
    void aNoiommuDeviceBecomesActiveThroughGrpcAndTheAnswerSaysItIsUnsafe() throws Exception {
        try (ServiceGrpc grpc = new ServiceGrpc()) {
            AssignResponse response = grpc.as("acme-token").assign(AssignRequest.newBuilder().setTenant("acme").setNode(NODE).addDevices(PORT_2).build());

            assertThat(response.getAssignment().getState()).isEqualTo(AssignmentState.ACTIVE);
            AssignedDevice device = response.getAssignment().getDevices(0);
            assertThat(device.getUnsafe()).isTrue();
            assertThat(device.getKind()).isEqualTo(DeviceKind.NOIOMMU);
            assertThat(device.hasDevid()).isTrue();
            assertThat(device.hasHwptId()).as("attached to no page table").isFalse();
        }
        assertThat(capabilitiesOfTheVmmHolding(PORT_2)).containsExactly(Capability.CAP_SYS_RAWIO);
    }

    @Test
    void theVmmOfAnAssignmentWithoutANoiommuDeviceGetsNoCapability() throws Exception {
        assertThat(mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"acme\",\"node\":\"" + NODE + "\",\"devices\":[\"" + NVME + "\"]}"))
                .hasStatus(HttpStatus.CREATED).bodyJson().extractingPath("$.devices[0].unsafe").isEqualTo(false);

        assertThat(capabilitiesOfTheVmmHolding(NVME)).isEmpty();
    }
}
