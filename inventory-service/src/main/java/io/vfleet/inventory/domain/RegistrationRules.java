package io.vfleet.inventory.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules a registration must keep before the inventory stores any of it, so that the assignment
 * service can trust what it reads: a node name that is a host name; BDFs unique and well-formed; each
 * device in at most one IOMMU group and one reset set, and those naming only devices of the node; an
 * SR-IOV parent that is a device of the node; ordered IOVA windows; and sizes within
 * {@link RegistrationLimits}. Every problem is collected, so one refusal tells an agent all it must fix.
 */
public final class RegistrationRules {
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*");
    private static final Pattern BDF = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\\.[0-7]");
    private static final Pattern EMULATED_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

    private final RegistrationLimits limits;

    public RegistrationRules(RegistrationLimits limits) {
        this.limits = limits;
    }

    /** Throws {@link RegistrationRefused} naming every broken rule; returns normally only for a sound registration. */
    public void check(NodeRegistration registration) {
        List<String> problems = new ArrayList<>();
        checkName(registration.name(), problems);
        checkAgent(registration, problems);
        Topology topology = registration.topology();
        if (topology == null) {
            problems.add("topology: required");
        } else if (topology.devices().size() > limits.maxDevices()) {
            // Nothing past this is worth reading: the payload itself is the problem.
            problems.add("devices: " + topology.devices().size() + " devices, more than the " + limits.maxDevices()
                    + " a registration may hold");
        } else if (topology.iommuGroups().size() > limits.maxDevices() || topology.resetSets().size() > limits.maxDevices()) {
            problems.add("topology: " + topology.iommuGroups().size() + " IOMMU groups and " + topology.resetSets().size()
                    + " reset sets, more than the " + limits.maxDevices() + " of each a registration may hold");
        } else {
            Map<String, Device> devices = checkDevices(topology.devices(), problems);
            checkIommuGroups(topology.iommuGroups(), devices, problems);
            checkResetSets(topology.resetSets(), devices, problems);
        }
        if (!problems.isEmpty()) {
            throw new RegistrationRefused(registration.name() == null ? "" : registration.name(), problems);
        }
    }

    private void checkName(String name, List<String> problems) {
        if (name == null || name.isEmpty()) {
            problems.add("name: the node name must not be empty");
        } else if (name.length() > limits.maxTextLength()) {
            problems.add("name: " + name.length() + " characters, more than " + limits.maxTextLength());
        } else if (!HOSTNAME.matcher(name).matches()) {
            problems.add("name: '" + name + "' is not a host name (letters, digits, '.', '-')");
        }
    }

    private void checkAgent(NodeRegistration registration, List<String> problems) {
        if (registration.agent() == null) {
            problems.add("agent: required");
        } else {
            checkText("agent.endpoint", registration.agent().endpoint(), problems);
            checkText("agent.version", registration.agent().version(), problems);
        }
        if (registration.kernel() == null) {
            problems.add("kernel: required");
        } else {
            String profile = registration.kernel().profile();
            if (!"v11".equals(profile) && !"linux-6.6".equals(profile) && !"linux-6.12".equals(profile)) {
                problems.add("kernel.profile: '" + profile + "' is not a kernel profile (v11, linux-6.6 or linux-6.12)");
            }
        }
    }

    private Map<String, Device> checkDevices(List<Device> devices, List<String> problems) {
        Map<String, Device> byBdf = new HashMap<>();
        Map<String, Integer> indexOf = new HashMap<>();
        for (int index = 0; index < devices.size(); index++) {
            Device device = devices.get(index);
            String path = "devices[" + index + "]";
            if (device.bdf() == null || device.bdf().isEmpty()) {
                problems.add(path + ".bdf: required");
                continue;
            }
            if (device.bdf().length() > limits.maxTextLength()) {
                problems.add(path + ".bdf: " + device.bdf().length() + " characters, more than " + limits.maxTextLength());
                continue;
            }
            if (!device.emulated() && !BDF.matcher(device.bdf()).matches()) {
                problems.add(path + ".bdf: '" + device.bdf() + "' is not a PCI address (segment:bus:device.function"
                        + " in lower-case hexadecimal, such as 0000:3b:00.0)");
            } else if (device.emulated() && !EMULATED_NAME.matcher(device.bdf()).matches()) {
                problems.add(path + ".bdf: '" + device.bdf() + "' is not an emulated device name (letters, digits, '.', '_', ':', '-')");
            }
            if (device.id() == null) {
                problems.add(path + ".id: required");
            }
            checkText(path + ".driver", device.driver(), problems);
            checkText(path + ".vfioDeviceName", device.vfioDeviceName(), problems);
            Integer earlier = indexOf.putIfAbsent(device.bdf(), index);
            if (earlier != null) {
                problems.add(path + ".bdf: duplicate BDF " + device.bdf() + " (also devices[" + earlier + "])");
            }
            byBdf.putIfAbsent(device.bdf(), device);
        }
        for (int index = 0; index < devices.size(); index++) {
            Device device = devices.get(index);
            String parent = device.sriovParent();
            if (parent == null) {
                continue;
            }
            if (!byBdf.containsKey(parent)) {
                problems.add("devices[" + index + "].sriovParent: unknown device " + parent);
            } else if (parent.equals(device.bdf())) {
                problems.add("devices[" + index + "].sriovParent: " + parent + " cannot be its own physical function");
            }
        }
        return byBdf;
    }

    private void checkIommuGroups(List<IommuGroup> groups, Map<String, Device> devices, List<String> problems) {
        Map<Integer, Integer> indexOfNumber = new HashMap<>();
        Map<String, Integer> groupOf = new HashMap<>();
        for (int index = 0; index < groups.size(); index++) {
            IommuGroup group = groups.get(index);
            String path = "iommuGroups[" + index + "]";
            if (group.number() < 0) {
                problems.add(path + ".number: must be 0 or more, got " + group.number());
            }
            Integer earlier = indexOfNumber.putIfAbsent(group.number(), index);
            if (earlier != null) {
                problems.add(path + ".number: duplicate IOMMU group " + group.number() + " (also iommuGroups[" + earlier + "])");
            }
            if (group.aperture() == null) {
                problems.add(path + ".aperture: required");
            } else if (!group.aperture().ordered()) {
                problems.add(path + ".aperture: " + group.aperture() + " starts after it ends");
            }
            for (int region = 0; region < group.reservedRegions().size(); region++) {
                ReservedRegion reserved = group.reservedRegions().get(region);
                if (reserved.range() == null || !reserved.range().ordered()) {
                    problems.add(path + ".reservedRegions[" + region + "]: " + reserved.range() + " starts after it ends");
                }
                checkText(path + ".reservedRegions[" + region + "].type", reserved.type(), problems);
            }
            for (int member = 0; member < group.members().size(); member++) {
                String bdf = group.members().get(member);
                String memberPath = path + ".members[" + member + "]";
                Device device = devices.get(bdf);
                if (device == null) {
                    problems.add(memberPath + ": unknown device " + bdf);
                    continue;
                }
                if (device.noiommu() || device.emulated()) {
                    problems.add(memberPath + ": " + bdf + " is " + (device.noiommu() ? "a noiommu" : "an emulated")
                            + " device, which has no IOMMU group");
                }
                Integer otherGroup = groupOf.putIfAbsent(bdf, group.number());
                if (otherGroup != null) {
                    problems.add(memberPath + ": device " + bdf + " is in IOMMU group " + otherGroup
                            + " and IOMMU group " + group.number());
                }
            }
        }
    }

    private void checkResetSets(List<ResetSet> resetSets, Map<String, Device> devices, List<String> problems) {
        Map<String, Integer> indexOfKey = new HashMap<>();
        Map<String, String> setOf = new HashMap<>();
        for (int index = 0; index < resetSets.size(); index++) {
            ResetSet resetSet = resetSets.get(index);
            String path = "resetSets[" + index + "]";
            if (resetSet.key() == null || resetSet.key().isEmpty()) {
                problems.add(path + ".key: required");
                continue;
            }
            checkText(path + ".key", resetSet.key(), problems);
            Integer earlier = indexOfKey.putIfAbsent(resetSet.key(), index);
            if (earlier != null) {
                problems.add(path + ".key: duplicate reset set " + resetSet.key() + " (also resetSets[" + earlier + "])");
            }
            for (int member = 0; member < resetSet.members().size(); member++) {
                String bdf = resetSet.members().get(member);
                String memberPath = path + ".members[" + member + "]";
                if (!devices.containsKey(bdf)) {
                    problems.add(memberPath + ": reset set " + resetSet.key() + " names unknown device " + bdf);
                    continue;
                }
                String otherSet = setOf.putIfAbsent(bdf, resetSet.key());
                if (otherSet != null) {
                    problems.add(memberPath + ": device " + bdf + " is in reset set " + otherSet + " and reset set " + resetSet.key());
                }
            }
        }
    }

    private void checkText(String path, String text, List<String> problems) {
        if (text != null && text.length() > limits.maxTextLength()) {
            problems.add(path + ": " + text.length() + " characters, more than " + limits.maxTextLength());
        }
    }
}
