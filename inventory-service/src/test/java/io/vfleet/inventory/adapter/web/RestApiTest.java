package io.vfleet.inventory.adapter.web;

import static io.vfleet.inventory.support.Registrations.agentOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.inventory.application.RegisterNode;
import io.vfleet.inventory.domain.Device;
import io.vfleet.inventory.domain.PciId;
import io.vfleet.inventory.support.InventoryTest;
import io.vfleet.inventory.support.Registrations;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RestApiTest extends InventoryTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    RegisterNode registerNode;

    @Test
    void nodeIsReadByName(TestInfo test) throws Exception {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());

        HttpResponse<String> response = get("/api/v1/nodes/" + name, "auditor-token");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode node = JSON.readTree(response.body());
        assertThat(node.get("name").asString()).isEqualTo(name);
        assertThat(node.get("state").asString()).isEqualTo("READY");
        assertThat(node.get("kernel").get("profile").asString()).isEqualTo("linux-6.6");
        assertThat(node.get("iommuGroups").get(0).get("aperture").get("last").asString()).isEqualTo("0xffffffffffff");
        assertThat(node.get("iommuGroups").get(0).get("reservedRegions").get(0).get("start").asString()).isEqualTo("0xfee00000");
        assertThat(node.get("resetSets").get(0).get("members")).hasSize(2);
    }

    @Test
    void unknownNodeIsANotFoundProblem(TestInfo test) throws Exception {
        HttpResponse<String> response = get("/api/v1/nodes/" + nodeName(test), "operator-token");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(404);
        assertThat(problem.get("detail").asString()).startsWith("no node '");
    }

    @Test
    void nodesArePagedInNameOrder(TestInfo test) throws Exception {
        String prefix = nodeName(test);
        for (int index = 0; index < 3; index++) {
            registerNode.register(agentOf(prefix + "-" + index), Registrations.gpuServer(prefix + "-" + index, 1).build());
        }

        JsonNode first = JSON.readTree(get("/api/v1/nodes?page=0&size=2", "operator-token").body());
        JsonNode second = JSON.readTree(get("/api/v1/nodes?page=1&size=2", "operator-token").body());

        assertThat(first.get("items")).hasSize(2);
        assertThat(first.get("totalItems").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(first.get("totalPages").asLong()).isEqualTo((first.get("totalItems").asLong() + 1) / 2);
        assertThat(first.get("items").get(0).get("name").asString()).isLessThan(first.get("items").get(1).get("name").asString());
        assertThat(first.get("items").get(1).get("name").asString()).isLessThan(second.get("items").get(0).get("name").asString());
    }

    @Test
    void devicesAreFilteredByNodeIdsClassAndIommuGroupAndPaged(TestInfo test) throws Exception {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 5)
                .device(new Device("0000:41:00.2", Registrations.CONNECTX_VF, "vfio-pci", "vfio9", false, false, null), 23)
                .device(new Device("0000:42:00.0", new PciId(0x144d, 0xa80a, 0x010802), "vfio-pci", "vfio10", false, false, null), 24)
                .build());
        String node = "node=" + name;

        assertThat(totalOf("/api/v1/devices?" + node)).isEqualTo(7);
        assertThat(totalOf("/api/v1/devices?" + node + "&vendorId=0x10de")).isEqualTo(5);
        assertThat(totalOf("/api/v1/devices?" + node + "&vendorId=15b3&deviceId=0x101e")).isEqualTo(1);
        assertThat(totalOf("/api/v1/devices?" + node + "&class=0x03")).isEqualTo(5);
        assertThat(totalOf("/api/v1/devices?" + node + "&class=0x0108")).isEqualTo(1);
        assertThat(totalOf("/api/v1/devices?" + node + "&class=0x020000")).isEqualTo(1);
        assertThat(totalOf("/api/v1/devices?" + node + "&iommuGroup=12")).isEqualTo(1);

        JsonNode page = JSON.readTree(get("/api/v1/devices?" + node + "&vendorId=0x10de&page=2&size=2", "operator-token").body());
        assertThat(page.get("items")).hasSize(1);
        assertThat(page.get("totalPages").asLong()).isEqualTo(3);
        JsonNode last = page.get("items").get(0);
        assertThat(last.get("bdf").asString()).isEqualTo(Registrations.gpuBdf(4));
        assertThat(last.get("vendorId").asString()).isEqualTo("0x10de");
        assertThat(last.get("classCode").asString()).isEqualTo("0x030200");
        assertThat(last.get("iommuGroup").asInt()).isEqualTo(14);
        assertThat(last.get("resetSet").asString()).isEqualTo("bus:switch-2");
        assertThat(last.get("state").asString()).isEqualTo("PRESENT");
    }

    @Test
    void removedDeviceIsListedAsRemoved(TestInfo test) throws Exception {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).without(Registrations.gpuBdf(0)).build());

        JsonNode devices = JSON.readTree(get("/api/v1/devices?node=" + name, "operator-token").body()).get("items");

        assertThat(devices.get(0).get("state").asString()).isEqualTo("REMOVED");
        assertThat(devices.get(1).get("state").asString()).isEqualTo("PRESENT");
    }

    @Test
    void badFilterIsABadRequestProblemNamingTheParameter() throws Exception {
        HttpResponse<String> badClass = get("/api/v1/devices?class=0x3", "operator-token");
        HttpResponse<String> badVendor = get("/api/v1/devices?vendorId=nvidia", "operator-token");
        HttpResponse<String> badSize = get("/api/v1/devices?size=100000", "operator-token");
        HttpResponse<String> badGroup = get("/api/v1/devices?iommuGroup=ten", "operator-token");

        assertThat(badClass.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badClass.body()).get("detail").asString()).contains("'0x3' is not a PCI class");
        assertThat(badVendor.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badVendor.body()).get("detail").asString()).startsWith("vendorId:");
        assertThat(badSize.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badSize.body()).get("detail").asString()).startsWith("size:");
        assertThat(badGroup.statusCode()).isEqualTo(400);
        assertThat(badGroup.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    }

    @Test
    void callWithoutTokenOrWithAnUnknownOneIsUnauthorized() throws Exception {
        HttpResponse<String> none = get("/api/v1/nodes", null);
        HttpResponse<String> unknown = get("/api/v1/devices", "not-a-token");

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(JSON.readTree(none.body()).get("detail").asString()).contains("needs an Authorization: Bearer token");
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(unknown.body()).get("detail").asString()).contains("not one this service knows");
    }

    @Test
    void everyRoleMayRead() throws Exception {
        for (String token : new String[] {"operator-token", "auditor-token", "orchestrator-token"}) {
            assertThat(get("/api/v1/nodes", token).statusCode()).as(token).isEqualTo(200);
        }
    }

    @Test
    void healthIsOpenAndMetricsNeedAToken(TestInfo test) throws Exception {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());

        assertThat(get("/actuator/health", null).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/prometheus", null).statusCode()).isEqualTo(401);
        HttpResponse<String> metrics = get("/actuator/prometheus", "operator-token");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("vfleet_inventory_revision", "vfleet_inventory_watchers",
                "vfleet_inventory_registrations_total{outcome=\"changed\"", "vfleet_inventory_heartbeats_total",
                "vfleet_inventory_nodes_unreachable");
    }

    @Test
    void openApiDescribesTheEndpoints() throws Exception {
        HttpResponse<String> response = get("/v3/api-docs", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode paths = JSON.readTree(response.body()).get("paths");
        assertThat(paths.has("/api/v1/nodes")).isTrue();
        assertThat(paths.has("/api/v1/nodes/{name}")).isTrue();
        assertThat(paths.has("/api/v1/devices")).isTrue();
    }

    private long totalOf(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path, "orchestrator-token");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("totalItems").asLong();
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

}
