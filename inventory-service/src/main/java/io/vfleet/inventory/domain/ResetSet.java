package io.vfleet.inventory.domain;

import java.util.List;

/**
 * The devices of a node that share a reset domain ({@code struct vfio_device_set},
 * {@code drivers/vfio/vfio_main.c}): a hot reset of one resets them all, so it is safe only when one
 * tenant owns every opened member.
 *
 * @param key     vfio-pci's dev_set key, stable across registrations: {@code slot:0000:00:01.0},
 *                {@code bus:0000:01} or {@code root:0000:00:02.0}
 * @param members the BDFs of the set's devices
 */
public record ResetSet(String key, List<String> members) {

    public ResetSet {
        members = List.copyOf(members);
    }
}
