package io.vfleet.assignment.adapter.web;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.SetTenantPolicy;
import io.vfleet.assignment.application.ShowTenant;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
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
class TenantController {

    private final SetTenantPolicy setPolicy;
    private final ShowTenant show;

    TenantController(SetTenantPolicy setPolicy, ShowTenant show) {
        this.setPolicy = setPolicy;
        this.show = show;
    }

    record PolicyBody(@NotNull @Min(0) Integer maxDevices, @NotNull @Min(0) Long maxPinnedBytes,
            @NotNull Boolean noiommuAllowed) {}

    record UsageBody(int devices, long pinnedBytes) {}

    record IoasBody(String node, long ioasId, List<Long> hwptIds) {}

    record TenantBody(String tenant, int maxDevices, long maxPinnedBytes, boolean noiommuAllowed, UsageBody usage,
            List<IoasBody> ioas) {}

    @PutMapping("/{tenant}")
    TenantBody put(Caller caller, @PathVariable @Pattern(regexp = AssignmentBodies.NAME) String tenant,
            @Valid @RequestBody PolicyBody body) {
        setPolicy.set(caller, new TenantPolicy(tenant, body.maxDevices(), body.maxPinnedBytes(), body.noiommuAllowed()));
        return get(caller, tenant);
    }

    @GetMapping("/{tenant}")
    TenantBody get(Caller caller, @PathVariable @Pattern(regexp = AssignmentBodies.NAME) String tenant) {
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
