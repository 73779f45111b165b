package io.vfleet.inventory.adapter.web;

import io.vfleet.inventory.domain.IommuGroup;
import io.vfleet.inventory.domain.IovaWindow;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.PageOf;
import io.vfleet.inventory.domain.ReservedRegion;
import io.vfleet.inventory.domain.ResetSet;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * What the REST API answers, as JSON. PCI ids and IOVAs are hexadecimal strings ({@code "0x10de"},
 * {@code "0xfee00000"}): that is how people read them, and a 64-bit IOVA does not fit a JSON number
 * that browsers parse exactly.
 */
final class Views {

    private Views() {
    }

    record Page<T>(List<T> items, int page, int size, long totalItems, long totalPages) {
        static <S, T> Page<T> of(PageOf<S> page, Function<S, T> view) {
            return new Page<>(page.items().stream().map(view).toList(), page.page(), page.size(), page.total(), page.pages());
        }
    }

    record NodeView(String name, String state, String agentEndpoint, String agentVersion, KernelView kernel,
                    List<IommuGroupView> iommuGroups, List<ResetSet> resetSets, Instant lastHeartbeat, long revision) {
        static NodeView of(Node node) {
            var kernel = node.kernel();
            return new NodeView(node.name(), node.state().name(), node.agent().endpoint(), node.agent().version(),
                    new KernelView(kernel.profile(), kernel.vfioGroup(), kernel.vfioContainer(), kernel.iommufdVfioContainer(),
                            kernel.vfioDeviceCdev(), kernel.unsafeNoiommuMode()),
                    node.iommuGroups().stream().map(IommuGroupView::of).toList(), node.resetSets(),
                    node.lastHeartbeat(), node.revision().value());
        }
    }

    record KernelView(String profile, boolean vfioGroup, boolean vfioContainer, boolean iommufdVfioContainer,
                      boolean vfioDeviceCdev, boolean unsafeNoiommuMode) {
    }

    record IommuGroupView(int number, WindowView aperture, List<ReservedRegionView> reservedRegions, List<String> members) {
        static IommuGroupView of(IommuGroup group) {
            return new IommuGroupView(group.number(), WindowView.of(group.aperture()),
                    group.reservedRegions().stream().map(ReservedRegionView::of).toList(), group.members());
        }
    }

    record WindowView(String start, String last) {
        static WindowView of(IovaWindow window) {
            return new WindowView(hex(window.start()), hex(window.last()));
        }
    }

    record ReservedRegionView(String start, String last, String type) {
        static ReservedRegionView of(ReservedRegion region) {
            return new ReservedRegionView(hex(region.range().start()), hex(region.range().last()), region.type());
        }
    }

    record DeviceView(String node, String bdf, String vendorId, String deviceId, String classCode, String driver,
                      String vfioDeviceName, boolean noiommu, boolean emulated, String sriovParent, Integer iommuGroup,
                      String resetSet, String state, long revision) {
        static DeviceView of(NodeDevice entry) {
            var device = entry.device();
            return new DeviceView(entry.node(), device.bdf(), String.format("0x%04x", device.id().vendorId()),
                    String.format("0x%04x", device.id().deviceId()), String.format("0x%06x", device.id().classCode()),
                    device.driver(), device.vfioDeviceName(), device.noiommu(), device.emulated(), device.sriovParent(),
                    entry.iommuGroup(), entry.resetSet(), entry.state().name(), entry.revision().value());
        }
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
