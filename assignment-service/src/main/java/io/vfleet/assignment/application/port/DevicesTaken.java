package io.vfleet.assignment.application.port;

import java.util.List;

/** The store refused a reservation: these devices are held already (the race was lost). */
public final class DevicesTaken extends RuntimeException {

    private final List<String> devices;

    public DevicesTaken(List<String> devices) {
        super("devices already held: " + devices);
        this.devices = List.copyOf(devices);
    }

    public List<String> devices() {
        return devices;
    }
}
