package io.vfleet.inventory.adapter.web;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.vfleet.inventory.application.QueryDevices;
import io.vfleet.inventory.domain.DeviceFilter;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/devices}: every node's devices, filtered and paged. */
@RestController
@RequestMapping("/api/v1/devices")
@Tag(name = "Devices", description = "Every node's PCI devices, filtered.")
class DevicesController {
    private final QueryDevices queryDevices;

    DevicesController(QueryDevices queryDevices) {
        this.queryDevices = queryDevices;
    }

    @GetMapping
    @Operation(operationId = "findDevices", summary = "Find devices in node then BDF order, a page at a time; removed devices are listed with state REMOVED")
    Views.Page<Views.DeviceView> find(
            @RequestParam(required = false) String node,
            @Parameter(description = "PCI vendor id in hexadecimal, such as 0x10de")
            @RequestParam(required = false) String vendorId,
            @Parameter(description = "PCI device id in hexadecimal, such as 0x2330")
            @RequestParam(required = false) String deviceId,
            @Parameter(description = "PCI class in hexadecimal: base class (0x03), subclass (0x0302) or whole code (0x030200)")
            @RequestParam(name = "class", required = false) String classCode,
            @RequestParam(required = false) Integer iommuGroup,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        Paging.check(page, size);
        DeviceFilter filter = new DeviceFilter(node, pciId("vendorId", vendorId), pciId("deviceId", deviceId),
                classCode == null ? null : DeviceFilter.ClassCodeMatch.parse(classCode), iommuGroup);
        return Views.Page.of(queryDevices.find(filter, page, size), Views.DeviceView::of);
    }

    private static Integer pciId(String name, String text) {
        if (text == null) {
            return null;
        }
        String digits = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
        if (!digits.matches("[0-9a-fA-F]{1,4}")) {
            throw new IllegalArgumentException(name + ": '" + text + "' is not a 16-bit hexadecimal id, such as 0x10de");
        }
        return Integer.parseInt(digits, 16);
    }
}
