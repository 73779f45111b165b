package io.vfleet.agent.grpc;

import io.vfleet.agent.state.AgentHost;
import io.vfleet.engine.vfio.VfioDevice;

/** The observable state of a host as text, to show that a refused call changed nothing. */
final class HostFingerprint {
    private HostFingerprint() {
    }

    static String of(AgentHost agentHost) {
        return agentHost.inspect(host -> {
            StringBuilder text = new StringBuilder();
            for (int pid : host.pids()) {
                var process = host.process(pid);
                text.append("pid ").append(pid).append(" fds ").append(process.files().openDescriptors())
                        .append(" memory ").append(process.memory().regions()).append('\n');
            }
            for (VfioDevice device : host.vfioDevices()) {
                text.append(device.name()).append(" open ").append(device.openCount()).append(" devid ")
                        .append(device.devid()).append(" attached ").append(device.iommufdAttached()).append('\n');
            }
            text.append("locked ").append(host.lockedPagesByUser());
            return text.toString();
        });
    }
}
