package io.vfleet.assignment.adapter.web;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.vfleet.assignment.application.SetTenantPolicy;
import io.vfleet.assignment.application.ShowTenant;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.rest.Refuses;
import io.vfleet.security.Caller;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/tenants/{tenant}}: quotas and policy, usage, IOAS per node. */
@RestController
@RequestMapping("/api/v1/tenants")
@Tag(name = "Tenants", description = "Quotas and policy per tenant, its usage, and its IOAS per node.")
class TenantController {

    private final SetTenantPolicy setPolicy;
    private final ShowTenant show;

    TenantController(SetTenantPolicy setPolicy, ShowTenant show) {
        this.setPolicy = setPolicy;
        this.show = show;
    }

    /** What the operator sets; every field required, checked by the application. */
    record PolicyBody(Long maxDevices, Long maxPinnedBytes, Boolean noiommuAllowed) {}

    record UsageBody(int devices, long pinnedBytes) {}

    record IoasBody(String node, long ioasId, List<Long> hwptIds) {}

    record TenantBody(String tenant, int maxDevices, long maxPinnedBytes, boolean noiommuAllowed, UsageBody usage,
            List<IoasBody> ioas) {}

    @PutMapping("/{tenant}")
    @Operation(operationId = "setTenantPolicy", summary = "Set a tenant's quotas and whether it may have noiommu devices")
    TenantBody put(Caller caller, @PathVariable String tenant, @RequestBody PolicyBody body) {
        setPolicy.set(caller, new SetTenantPolicy.Form(tenant, body.maxDevices(), body.maxPinnedBytes(), body.noiommuAllowed()));
        return get(caller, tenant);
    }

    @GetMapping("/{tenant}")
    @Operation(operationId = "getTenant", summary = "A tenant's policy, usage and IOAS per node")
    @Refuses(status = 404, when = "No such tenant, or one the caller may not see.")
    TenantBody get(Caller caller, @PathVariable String tenant) {
        ShowTenant.View view = show.show(caller, tenant);
        TenantPolicy policy = view.policy();
        return new TenantBody(tenant, policy.maxDevices(), policy.maxPinnedBytes(), policy.noiommuAllowed(),
                new UsageBody(view.usage().devices(), view.usage().pinnedBytes()),
                view.ioas().stream().map(TenantController::ioas).toList());
    }

    private static IoasBody ioas(TenantIoas ioas) {
        return new IoasBody(ioas.node(), ioas.ioasId(), ioas.hwptIds());
    }
}
