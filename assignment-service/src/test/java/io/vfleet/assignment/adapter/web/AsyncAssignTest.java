package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.assignment.v1.AssignRequest;
import io.vfleet.api.assignment.v1.AssignResponse;
import io.vfleet.api.assignment.v1.AssignmentState;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * Long work answers at once: an assign waits for the agent only as long as the caller prefers (RFC 7240
 * {@code Prefer: wait}, gRPC {@code wait} and the call's deadline), then answers PREPARING with where to
 * look, and the prepare's outcome is stored when it comes. The fake agent holds prepares at its door to
 * make the prepare slow, and the tests check it did.
 */
@ServiceTest
class AsyncAssignTest extends ServiceTestBase {

    private static final String ONE_GPU = "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}";

    @Autowired
    MockMvcTester mvc;

    /** Lets held prepares finish, and waits for their outcomes to be stored before the next test empties the database. */
    @AfterEach
    void letTheAgentGo() {
        agents.letPreparesGo();
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "select count(*) from assignment.assignments where state = 'PREPARING'", Integer.class) == 0);
    }

    private MvcTestResult post(String prefer) {
        var request = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content(ONE_GPU);
        if (prefer != null) {
            request = request.header("Prefer", prefer);
        }
        return request.exchange();
    }

    private String stateAt(String location) throws Exception {
        return JsonPath.read(mvc.get().uri(location).header("Authorization", "Bearer operator-token").exchange()
                .getResponse().getContentAsString(), "$.state");
    }

    @Test
    void aPrepareLongerThanTheWaitIsAcceptedAndFinishesInTheBackground() throws Exception {
        agents.holdPrepares();

        MvcTestResult accepted = post("wait=1");

        assertThat(agents.preparesHeld()).isEqualTo(1);
        assertThat(accepted).hasStatus(HttpStatus.ACCEPTED);
        assertThat(accepted).bodyJson().extractingPath("$.state").isEqualTo("PREPARING");
        assertThat(accepted).headers().hasValue("Preference-Applied", "wait=1");
        String location = accepted.getResponse().getHeader("Location");
        assertThat(location).endsWith("/api/v1/assignments/" + JsonPath.read(accepted.getResponse().getContentAsString(), "$.id"));
        assertThat(stateAt(location)).isEqualTo("PREPARING");

        agents.letPreparesGo();

        await().atMost(Duration.ofSeconds(10)).until(() -> stateAt(location).equals("ACTIVE"));
    }

    @Test
    void respondAsyncAnswersAsSoonAsTheDevicesAreReserved() {
        agents.holdPrepares();

        MvcTestResult accepted = post("respond-async");

        assertThat(accepted).hasStatus(HttpStatus.ACCEPTED);
        assertThat(accepted).headers().hasValue("Preference-Applied", "wait=0");
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void aPrepareWithinTheWaitIsCreatedActiveAndAWaitAboveTheMaximumIsCapped() {
        MvcTestResult created = post("wait=100000");

        assertThat(created).hasStatus(HttpStatus.CREATED);
        assertThat(created).bodyJson().extractingPath("$.state").isEqualTo("ACTIVE");
        assertThat(created).headers().hasValue("Preference-Applied", "wait=60");
    }

    @Test
    void withoutAPreferenceTheDefaultWaitAppliesAndNothingIsSaidAboutIt() {
        MvcTestResult created = post(null);

        assertThat(created).hasStatus(HttpStatus.CREATED);
        assertThat(created).headers().doesNotContainHeader("Preference-Applied");
    }

    @Test
    void aPreferenceThatCannotBeReadIsIgnored() {
        MvcTestResult created = post("wait=soon, handling=lenient");

        assertThat(created).hasStatus(HttpStatus.CREATED);
        assertThat(created).headers().doesNotContainHeader("Preference-Applied");
    }

    @Test
    void aRefusalAfterTheWaitIsStoredAsFailed() throws Exception {
        agents.holdPrepares();
        MvcTestResult accepted = post("wait=0");
        String location = accepted.getResponse().getHeader("Location");
        await().atMost(Duration.ofSeconds(10)).until(() -> agents.preparesHeld() == 1);

        agents.unreachable("n1", true);
        agents.letPreparesGo();

        await().atMost(Duration.ofSeconds(10)).until(() -> stateAt(location).equals("FAILED"));
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class))
                .isZero();
    }

    @Test
    void overGrpcTheWaitAndTheDeadlineBothCutTheWaitShort() {
        ManagedChannel channel = InProcessChannelBuilder.forName(ServiceTest.GRPC_IN_PROCESS).directExecutor().build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer operator-token");
            var stub = AssignmentsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            agents.holdPrepares();

            AssignResponse byWait = stub.assign(AssignRequest.newBuilder().setTenant("acme").setNode("n1")
                    .addDevices("0000:01:00.0").setWait(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000)).build());
            AssignResponse byDeadline = stub.withDeadlineAfter(3, TimeUnit.SECONDS).assign(AssignRequest.newBuilder()
                    .setTenant("acme").setNode("n1").addDevices("0000:06:00.0").build());

            assertThat(agents.preparesHeld()).isEqualTo(2);
            assertThat(byWait.getAssignment().getState()).isEqualTo(AssignmentState.PREPARING);
            assertThat(byDeadline.getAssignment().getState()).isEqualTo(AssignmentState.PREPARING);
        } finally {
            channel.shutdownNow();
        }
    }
}
