package io.vfleet.agent.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssignmentTableTest {

    @TempDir
    Path state;

    @Test
    void aTableWrittenBeforeDevicesSaidTheirFunctionResetAndKindIsReadWithNeither() throws Exception {
        Files.writeString(state.resolve(AssignmentTable.FILE), """
                {
                  "tenantUids" : { "acme" : 100000 },
                  "assignments" : [ {
                    "id" : "a-1", "tenant" : "acme", "devices" : [ "0000:18:00.0" ], "withKvm" : false, "epoch" : 3,
                    "prepared" : {
                      "pid" : 100, "iommufd" : 0, "ioasId" : 1, "vmFd" : -1, "kvmDeviceFd" : -1,
                      "devices" : [ { "bdf" : "0000:18:00.0", "cdevPath" : "/dev/vfio/devices/vfio0", "fd" : 1, "devid" : 2, "hwptId" : 3 } ]
                    }
                  } ]
                }
                """);

        AssignmentTable.Content content = new AssignmentTable(state).load();

        assertThat(content.assignments()).singleElement().satisfies(assignment ->
                assertThat(assignment.prepared().devices()).containsExactly(
                        new Prepared.Device("0000:18:00.0", "/dev/vfio/devices/vfio0", 1, 2, 3, false, false)));
    }
}
