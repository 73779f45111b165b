package io.vfleet.assignment.adapter.web;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.vfleet.assignment.application.ProveAudit;
import io.vfleet.assignment.application.QueryAudit;
import io.vfleet.assignment.application.SignCheckpoint;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.AuditVerification;
import io.vfleet.rest.Refuses;
import io.vfleet.security.Caller;
import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Hash;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/audit}: the events, who owned a device when, whether the log is the one its signed
 * checkpoints vouch for, the checkpoints themselves (C2SP signed notes, as text), and inclusion and
 * consistency proofs (RFC 9162) against them.
 *
 * <p>Answers that read the log say {@code unlinked}: how many events committed before the question
 * were not in the log yet when it was answered (0 unless the log lags by more than the read wait).
 */
@RestController
@RequestMapping("/api/v1/audit")
@Tag(name = "Audit", description = "The hash-tree audit log, its signed checkpoints and its proofs.")
class AuditController {

    private static final MediaType NOTE = new MediaType("text", "plain", StandardCharsets.UTF_8);

    private final QueryAudit audit;
    private final ProveAudit proofs;
    private final SignCheckpoint sign;

    AuditController(QueryAudit audit, ProveAudit proofs, SignCheckpoint sign) {
        this.audit = audit;
        this.proofs = proofs;
        this.sign = sign;
    }

    record EventBody(long sequence, Instant at, String principal, String kind, String tenant, String node,
            List<String> devices, String assignmentId, String detail) {

        static EventBody of(AuditEvent event) {
            return new EventBody(event.sequence(), event.at(), event.principal(), event.kind().name(), event.tenant(),
                    event.node(), event.devices(), event.assignmentId(), event.detail());
        }
    }

    record EventsBody(List<EventBody> items, int page, int size, long total, long unlinked) {}

    record OwnersBody(String device, Instant at, List<AuditLog.Owner> owners, long unlinked) {}

    /** The first problem: its kind, the event it is at (0 when none), and what happened. */
    record ProblemBody(String problem, long sequence, String reason) {}

    record CheckpointBody(String origin, long size, String rootHash, String keyName, String source) {}

    record VerificationBody(boolean intact, long checked, long size, ProblemBody firstBroken,
            List<CheckpointBody> checkpoints, long unlinked) {}

    record InclusionBody(long sequence, long treeSize, String leafHash, List<String> path, EventBody event) {}

    record ConsistencyBody(long from, long to, List<String> proof) {}

    @GetMapping("/events")
    @Operation(operationId = "listAuditEvents", summary = "Find audit events by device, tenant and time, a page at a time")
    EventsBody events(Caller caller,
            @RequestParam(required = false) String device,
            @RequestParam(required = false) String tenant,
            @RequestParam(required = false) Instant from,
            @RequestParam(required = false) Instant to,
            @RequestParam(required = false) Long page,
            @RequestParam(required = false) Long size) {
        QueryAudit.Answer<Page<AuditEvent>> answer =
                audit.events(caller, new QueryAudit.Search(device, tenant, from, to, page, size));
        Page<AuditEvent> events = answer.value();
        return new EventsBody(events.items().stream().map(EventBody::of).toList(), events.page(), events.size(),
                events.total(), answer.unlinked());
    }

    @GetMapping("/owner")
    @Operation(operationId = "getDeviceOwners", summary = "Who owned a device at an instant, by the audit log")
    OwnersBody owner(Caller caller,
            @RequestParam String device,
            @RequestParam(required = false) String node,
            @RequestParam(required = false) Instant at) {
        Instant when = at == null ? Instant.now() : at;
        QueryAudit.Answer<List<AuditLog.Owner>> answer = audit.owners(caller, device, node, when);
        return new OwnersBody(device, when, answer.value(), answer.unlinked());
    }

    /** Verifies the log against the checkpoints in the database and in the archive outside it. */
    @GetMapping("/verify")
    @Operation(operationId = "verifyAudit", summary = "Verify the log against the checkpoints it signed and archived")
    VerificationBody verify(Caller caller) {
        return verification(audit.verify(caller, null));
    }

    /** Also against a checkpoint the caller kept: its signed note, as the body. */
    @PostMapping(path = "/verify", consumes = MediaType.TEXT_PLAIN_VALUE)
    @Operation(operationId = "verifyAuditAgainst", summary = "Verify the log also against a checkpoint the caller kept")
    VerificationBody verifyAgainst(Caller caller, @RequestBody String checkpoint) {
        return verification(audit.verify(caller, checkpoint));
    }

    @GetMapping(path = "/checkpoints/latest", produces = MediaType.TEXT_PLAIN_VALUE)
    @Operation(operationId = "getLatestCheckpoint", summary = "The latest signed checkpoint, as a C2SP signed note")
    @Refuses(status = 404, when = "No checkpoint is signed yet.")
    ResponseEntity<String> latestCheckpoint(Caller caller) {
        return note(proofs.latestCheckpoint(caller));
    }

    @GetMapping(path = "/checkpoints/{size}", produces = MediaType.TEXT_PLAIN_VALUE)
    @Operation(operationId = "getCheckpoint", summary = "The signed checkpoint of a tree size, as a C2SP signed note")
    @Refuses(status = 404, when = "No checkpoint of that size is signed.")
    ResponseEntity<String> checkpoint(Caller caller, @PathVariable long size) {
        return note(proofs.checkpoint(caller, size));
    }

    /** Signs a checkpoint of the log as it stands now. */
    @PostMapping(path = "/checkpoints", produces = MediaType.TEXT_PLAIN_VALUE)
    @Operation(operationId = "signCheckpoint", summary = "Sign a checkpoint of the log as it stands now")
    @ApiResponse(responseCode = "201", description = "The signed note, at the Location.",
            content = @Content(mediaType = MediaType.TEXT_PLAIN_VALUE, schema = @Schema(type = "string")))
    @Refuses(status = 409, when = "The log is not a consistent extension of its last checkpoint.")
    ResponseEntity<String> signCheckpoint(Caller caller) {
        Checkpoint.Signed signed = sign.sign(caller);
        return ResponseEntity.created(URI.create("/api/v1/audit/checkpoints/" + signed.checkpoint().size()))
                .contentType(NOTE).body(signed.note());
    }

    /** The audit path of event {@code sequence} in the tree of {@code treeSize} events (RFC 9162 2.1.3). */
    @GetMapping("/proofs/inclusion")
    @Operation(operationId = "getInclusionProof", summary = "Prove that an event is in the tree of a given size")
    @Refuses(status = 404, when = "The log does not have that many events.")
    InclusionBody inclusion(Caller caller, @RequestParam long sequence, @RequestParam long treeSize) {
        ProveAudit.Inclusion inclusion = proofs.inclusion(caller, sequence, treeSize);
        return new InclusionBody(inclusion.event().sequence(), inclusion.treeSize(),
                inclusion.leafHash() == null ? null : inclusion.leafHash().base64(), base64(inclusion.path()),
                EventBody.of(inclusion.event()));
    }

    /**
     * The proof that the tree of {@code from} events is a prefix of the tree of {@code to} (RFC 9162
     * 2.1.4): JSON, or one base64 hash per line for {@code Accept: text/plain}, as witnesses read it.
     */
    @GetMapping("/proofs/consistency")
    @Operation(operationId = "getConsistencyProof", summary = "Prove that a smaller tree is a prefix of a larger one")
    @ApiResponse(responseCode = "200", description = "The proof: JSON, or one base64 hash per line for Accept: text/plain.",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = ConsistencyBody.class)),
                    @Content(mediaType = MediaType.TEXT_PLAIN_VALUE, schema = @Schema(type = "string"))})
    @Refuses(status = 404, when = "The log does not have that many events.")
    ResponseEntity<?> consistency(Caller caller, @RequestParam long from, @RequestParam long to,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
        ProveAudit.Consistency consistency = proofs.consistency(caller, from, to);
        List<String> proof = base64(consistency.proof());
        if (wantsText(accept)) {
            StringBuilder lines = new StringBuilder();
            proof.forEach(hash -> lines.append(hash).append('\n'));
            return ResponseEntity.ok().contentType(NOTE).body(lines.toString());
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(new ConsistencyBody(from, to, proof));
    }

    private static VerificationBody verification(QueryAudit.Answer<AuditVerification.Result> answer) {
        AuditVerification.Result result = answer.value();
        return new VerificationBody(result.intact(), result.checked(), result.size(),
                result.problem().map(found -> new ProblemBody(found.problem().name(), found.sequence(), found.detail()))
                        .orElse(null),
                result.checkpoints().stream().map(trusted -> new CheckpointBody(trusted.checkpoint().origin(),
                        trusted.checkpoint().size(), trusted.checkpoint().root().base64(), trusted.keyName(),
                        trusted.source())).toList(),
                answer.unlinked());
    }

    private static ResponseEntity<String> note(String note) {
        return ResponseEntity.ok().contentType(NOTE).body(note);
    }

    /** Whether the caller asks for text before JSON. */
    private static boolean wantsText(String accept) {
        if (accept == null) {
            return false;
        }
        for (MediaType type : MediaType.parseMediaTypes(accept)) {
            if (type.isWildcardType()) {
                continue;
            }
            if (type.isCompatibleWith(MediaType.TEXT_PLAIN)) {
                return true;
            }
            if (type.isCompatibleWith(MediaType.APPLICATION_JSON)) {
                return false;
            }
        }
        return false;
    }

    private static List<String> base64(List<Hash> hashes) {
        return hashes.stream().map(Hash::base64).toList();
    }
}
