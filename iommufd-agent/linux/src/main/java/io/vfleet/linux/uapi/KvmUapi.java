package io.vfleet.linux.uapi;

import static java.lang.foreign.MemoryLayout.structLayout;

import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/** The parts of {@code include/uapi/linux/kvm.h} the KVM-VFIO device needs; KVMIO is 0xAE. */
public final class KvmUapi {
    static final int KVMIO = 0xAE;

    private static final ValueLayout U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout U64 = ValueLayout.JAVA_LONG;

    public static final StructLayout KVM_CREATE_DEVICE_STRUCT = structLayout(
            U32.withName("type"), U32.withName("fd"), U32.withName("flags")).withName("kvm_create_device");

    public static final StructLayout KVM_DEVICE_ATTR = structLayout(
            U32.withName("flags"), U32.withName("group"), U64.withName("attr"), U64.withName("addr"))
            .withName("kvm_device_attr");

    public static final long KVM_CREATE_VM = Ioc.none(KVMIO, 0x01);
    public static final long KVM_CREATE_DEVICE = Ioc.readWrite(KVMIO, 0xe0, KVM_CREATE_DEVICE_STRUCT.byteSize());
    public static final long KVM_SET_DEVICE_ATTR = Ioc.write(KVMIO, 0xe1, KVM_DEVICE_ATTR.byteSize());

    private KvmUapi() {
    }
}
