package io.vfleet.agent.state;

import io.vfleet.agent.state.v1.DeviceResets;
import io.vfleet.agent.state.v1.Kernel;
import io.vfleet.agent.state.v1.KernelCall;
import io.vfleet.agent.state.v1.PreparedDevice;
import io.vfleet.agent.state.v1.UserPages;
import io.vfleet.agent.vmm.Assignment;
import io.vfleet.agent.vmm.Prepared;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.snapshot.HostSnapshot;
import io.vfleet.agent.messages.TopologyMessages;
import io.vfleet.engine.topology.HostTopology;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's own records and the engine's host snapshot as messages of {@code state.proto}, and back.
 * Decoding gives back equal records; a message that does not describe one is an
 * IllegalArgumentException saying which field and why.
 */
final class StateRecords {
    private StateRecords() {
    }

    static io.vfleet.agent.state.v1.Assignment encode(Assignment assignment) {
        var message = io.vfleet.agent.state.v1.Assignment.newBuilder()
                .setId(assignment.id())
                .setTenant(assignment.tenant())
                .addAllDevices(assignment.devices())
                .setWithKvm(assignment.withKvm())
                .setEpoch(assignment.epoch());
        Prepared prepared = assignment.prepared();
        if (prepared != null) {
            var devices = prepared.devices().stream().map(device -> PreparedDevice.newBuilder()
                    .setBdf(device.bdf()).setCdevPath(device.cdevPath()).setFd(device.fd()).setDevid(device.devid())
                    .setHwptId(device.hwptId()).setFunctionReset(device.functionReset()).setNoiommu(device.noiommu()).build())
                    .toList();
            message.setPrepared(io.vfleet.agent.state.v1.Prepared.newBuilder()
                    .setPid(prepared.pid()).setIommufd(prepared.iommufd()).setIoasId(prepared.ioasId())
                    .setVmFd(prepared.vmFd()).setKvmDeviceFd(prepared.kvmDeviceFd()).addAllDevices(devices)
                    .setSyscallsCredential(prepared.syscallsCredential() == null ? "" : prepared.syscallsCredential()));
        }
        return message.build();
    }

    static Assignment decode(io.vfleet.agent.state.v1.Assignment message) {
        if (message.getId().isBlank()) {
            throw new IllegalArgumentException("assignment.id: empty");
        }
        Prepared prepared = null;
        if (message.hasPrepared()) {
            var wire = message.getPrepared();
            List<Prepared.Device> devices = wire.getDevicesList().stream().map(device -> new Prepared.Device(device.getBdf(),
                    device.getCdevPath(), device.getFd(), device.getDevid(), device.getHwptId(), device.getFunctionReset(),
                    device.getNoiommu())).toList();
            prepared = new Prepared(wire.getPid(), wire.getIommufd(), wire.getIoasId(), wire.getVmFd(), wire.getKvmDeviceFd(),
                    devices, wire.getSyscallsCredential().isEmpty() ? null : wire.getSyscallsCredential());
        }
        return new Assignment(message.getId(), message.getTenant(), message.getDevicesList(), message.getWithKvm(),
                message.getEpoch(), prepared);
    }

    static Kernel encode(HostSnapshot snapshot) {
        HostSnapshot.Counters counters = snapshot.counters();
        Kernel.Builder kernel = Kernel.newBuilder()
                .setTopology(TopologyMessages.of(snapshot.topology()))
                .setNextPid(counters.nextPid())
                .setNextVmId(counters.nextVmId());
        counters.users().forEach(user -> kernel.addUsers(UserPages.newBuilder().setUid(user.uid())
                .setLockedPages(user.lockedPages())));
        counters.devices().forEach(device -> kernel.addDevices(DeviceResets.newBuilder().setName(device.name())
                .setResets(device.resets()).setNeedsReset(device.needsReset())));
        snapshot.journal().forEach(entry -> kernel.addJournal(KernelCalls.encode(entry)));
        return kernel.build();
    }

    static HostSnapshot decode(Kernel kernel) {
        HostTopology topology;
        try {
            topology = TopologyMessages.toEngine(kernel.getTopology());
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("kernel.topology: " + refused.getMessage(), refused);
        }
        List<HostSnapshot.User> users = kernel.getUsersList().stream()
                .map(user -> new HostSnapshot.User(user.getUid(), user.getLockedPages())).toList();
        List<HostSnapshot.DeviceResets> devices = kernel.getDevicesList().stream()
                .map(device -> new HostSnapshot.DeviceResets(device.getName(), device.getResets(), device.getNeedsReset())).toList();
        List<JournalEntry> journal = new ArrayList<>(kernel.getJournalCount());
        List<KernelCall> calls = kernel.getJournalList();
        for (int index = 0; index < calls.size(); index++) {
            try {
                journal.add(KernelCalls.decode(calls.get(index)));
            } catch (IllegalArgumentException malformed) {
                throw new IllegalArgumentException("kernel journal entry " + (index + 1) + ": " + malformed.getMessage(), malformed);
            }
        }
        return new HostSnapshot(topology, new HostSnapshot.Counters(kernel.getNextPid(), kernel.getNextVmId(), users, devices),
                journal);
    }
}
