package io.vfleet.testsupport.access;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import io.vfleet.security.web.RestAccess;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPatternParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An app's authorization matrix: every operation it exposes, from its descriptions rather than from its
 * code (each REST operation of its committed OpenAPI document, each method of its gRPC services in the
 * api-proto descriptor set), against every kind of caller, with the outcome its access tables
 * ({@link RestAccess}, {@link GrpcAccess}) decide. An operation the tables give no rule fails the
 * matrix, naming it, so an endpoint cannot ship without one; the app's test then checks every cell
 * through the running app ({@link #checkEach}) and keeps the Markdown table ({@link #markdown}) in the
 * repository.
 */
public final class AccessMatrix {

    /** The api-proto descriptor set: every service of every vfleet API, as protoc compiled them. */
    public static final String DESCRIPTOR_SET = "io/vfleet/api/vfleet-api.binpb";

    /** What the door says to a caller. */
    public enum Outcome {
        /** Let through to the operation (which may still answer 400 or 404 on its own). */
        ALLOWED("allowed"),
        /** Who is calling is unknown: 401, {@code UNAUTHENTICATED}. */
        UNAUTHENTICATED("401 / UNAUTHENTICATED"),
        /** Known, but not allowed this: 403, {@code PERMISSION_DENIED}. */
        FORBIDDEN("403 / PERMISSION_DENIED");

        private final String cell;

        Outcome(String cell) {
            this.cell = cell;
        }

        /** The outcome a REST answer's status shows: 401 and 403 are the door's, anything else got through it. */
        public static Outcome ofHttpStatus(int status) {
            return status == 401 ? UNAUTHENTICATED : status == 403 ? FORBIDDEN : ALLOWED;
        }
    }

    /**
     * A kind of caller: its column heading, its role (null for nobody), and how the test presents it
     * (a bearer token, or null for none).
     */
    public record Principal(String column, Role role, String token) {

        public static Principal anonymous() {
            return new Principal("anonymous", null, null);
        }

        /** A caller whose bearer token no table and no issuer knows: refused as unauthenticated, like nobody. */
        public static Principal unknownToken() {
            return new Principal("unknown token", null, "a-token-nobody-issued");
        }
    }

    /** One operation: REST ({@code GET /api/v1/nodes/{name}}) or gRPC ({@code vfleet.inventory.v1.Inventory/Register}). */
    public record Operation(Kind kind, String method, String path, String name) {

        public enum Kind { REST, GRPC }

        /** The row heading. */
        public String title() {
            return kind == Kind.REST ? method + " " + path : path;
        }

        /** The gRPC service's full name ({@code vfleet.inventory.v1.Inventory}). */
        public String service() {
            return path.substring(0, path.indexOf('/'));
        }
    }

    /** A cell as the tables decide it. */
    public record Cell(Operation operation, Principal principal, Outcome expected) {}

    private final String title;
    private final List<Principal> principals;
    private final List<Operation> operations = new ArrayList<>();
    private final List<Cell> cells = new ArrayList<>();

    private AccessMatrix(String title, List<Principal> principals) {
        this.title = title;
        this.principals = List.copyOf(principals);
    }

    /**
     * The matrix of an app: the operations of {@code openApiDocument} (none when null) ruled by {@code rest},
     * and the methods of the {@code grpcServices} (full names) ruled by {@code grpc}.
     *
     * @throws AssertionError naming every operation without a rule
     */
    public static AccessMatrix of(String title, List<Principal> principals, Path openApiDocument, RestAccess rest,
            List<String> grpcServices, GrpcAccess grpc) {
        AccessMatrix matrix = new AccessMatrix(title, principals);
        List<String> unruled = new ArrayList<>();
        if (openApiDocument != null) {
            for (Operation operation : restOperations(openApiDocument)) {
                Optional<RestRule> rule = restRule(rest, operation);
                if (rule.isEmpty()) {
                    unruled.add(operation.title());
                    continue;
                }
                matrix.add(operation, principal -> rule.get().open() ? Outcome.ALLOWED
                        : principal.role() == null ? Outcome.UNAUTHENTICATED
                        : rule.get().roles().contains(principal.role()) ? Outcome.ALLOWED : Outcome.FORBIDDEN);
            }
        }
        for (Operation operation : grpcMethods(grpcServices)) {
            Optional<GrpcAccess.Rule> rule = grpc.ruleFor(operation.service(), operation.path());
            if (rule.isEmpty()) {
                unruled.add(operation.title());
                continue;
            }
            matrix.add(operation, principal -> switch (rule.get()) {
                case GrpcAccess.Rule.Open open -> Outcome.ALLOWED;
                case GrpcAccess.Rule.ByService byService -> principal.role() == null ? Outcome.UNAUTHENTICATED
                        : byService.roles().contains(principal.role()) ? Outcome.ALLOWED : Outcome.FORBIDDEN;
                case GrpcAccess.Rule.Roles roles -> principal.role() == null ? Outcome.UNAUTHENTICATED
                        : roles.roles().contains(principal.role()) ? Outcome.ALLOWED : Outcome.FORBIDDEN;
            });
        }
        if (!unruled.isEmpty()) {
            throw new AssertionError(title + ": no access rule for " + String.join(", ", unruled)
                    + "; give each one in the app's access table (RestAccess, GrpcAccess)");
        }
        return matrix;
    }

    private void add(Operation operation, Function<Principal, Outcome> outcome) {
        operations.add(operation);
        principals.forEach(principal -> cells.add(new Cell(operation, principal, outcome.apply(principal))));
    }

    public List<Operation> operations() {
        return List.copyOf(operations);
    }

    public List<Cell> cells() {
        return List.copyOf(cells);
    }

    /** What the running app answered one cell's call with, as the door's outcome. */
    @FunctionalInterface
    public interface Probe {
        Outcome call(Operation operation, Principal principal) throws Exception;
    }

    /**
     * Calls every cell through {@code probe} and fails listing every cell whose answer is not the table's.
     * None of the matrix's callers holds a credential a service issues itself (an assignment's, for its
     * VMM's system calls); what that opens, the service's own tests show.
     */
    public void checkEach(Probe probe) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Cell cell : cells) {
            Outcome answered = probe.call(cell.operation(), cell.principal());
            if (answered != cell.expected()) {
                wrong.add(cell.operation().title() + " as " + cell.principal().column() + ": expected "
                        + cell.expected().cell + ", answered " + answered.cell);
            }
        }
        if (!wrong.isEmpty()) {
            throw new AssertionError(wrong.size() + " of " + cells.size() + " cells differ:\n  " + String.join("\n  ", wrong));
        }
    }

    /** The matrix as a Markdown table, an operation a row and a caller a column. */
    public String markdown(String preamble) {
        StringBuilder text = new StringBuilder("# ").append(title).append("\n\n").append(preamble.strip()).append("\n\n");
        text.append("| operation |");
        principals.forEach(principal -> text.append(' ').append(principal.column()).append(" |"));
        text.append("\n|---|");
        principals.forEach(principal -> text.append("---|"));
        text.append('\n');
        Iterator<Cell> each = cells.iterator();
        for (Operation operation : operations) {
            text.append("| `").append(operation.title()).append('`');
            if (operation.name() != null) {
                text.append(" (").append(operation.name()).append(')');
            }
            text.append(" |");
            for (int column = 0; column < principals.size(); column++) {
                Outcome outcome = each.next().expected();
                text.append(' ').append(switch (outcome) {
                    case ALLOWED -> "✅";
                    case UNAUTHENTICATED -> "401";
                    case FORBIDDEN -> "403";
                }).append(" |");
            }
            text.append('\n');
        }
        text.append("\n✅ let through (the operation may still refuse bad input, or hide another tenant's things as not found); ")
                .append("401 / 403 over REST are `UNAUTHENTICATED` / `PERMISSION_DENIED` over gRPC; ")
                .append("none of these callers holds a credential a service issues itself (an assignment's, at Prepare, ")
                .append("for its VMM's system calls).\n");
        return text.toString();
    }

    /** Every operation of an OpenAPI document, in its order. */
    static List<Operation> restOperations(Path document) {
        JsonNode api = JsonMapper.builder().build().readTree(document.toFile());
        List<Operation> operations = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : api.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                JsonNode id = operation.getValue().get("operationId");
                operations.add(new Operation(Operation.Kind.REST, operation.getKey().toUpperCase(Locale.ROOT), path.getKey(),
                        id == null ? null : id.asString()));
            }
        }
        return operations;
    }

    /** Every method of {@code services} in the api-proto descriptor set; a service it lacks fails. */
    static List<Operation> grpcMethods(List<String> services) {
        FileDescriptorSet set;
        try (InputStream in = AccessMatrix.class.getClassLoader().getResourceAsStream(DESCRIPTOR_SET)) {
            if (in == null) {
                throw new AssertionError(DESCRIPTOR_SET + " is not on the class path (api-proto's jar has it)");
            }
            set = FileDescriptorSet.parseFrom(in);
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
        List<Operation> methods = new ArrayList<>();
        for (String wanted : services) {
            boolean found = false;
            for (FileDescriptorProto file : set.getFileList()) {
                for (ServiceDescriptorProto service : file.getServiceList()) {
                    String name = file.getPackage() + "." + service.getName();
                    if (name.equals(wanted)) {
                        found = true;
                        for (MethodDescriptorProto method : service.getMethodList()) {
                            methods.add(new Operation(Operation.Kind.GRPC, null, name + "/" + method.getName(), null));
                        }
                    }
                }
            }
            if (!found) {
                throw new AssertionError("no service " + wanted + " in " + DESCRIPTOR_SET);
            }
        }
        return methods;
    }

    /** {@code /api/v1/tenants/{tenant}} with each variable replaced by a sample segment. */
    public static String samplePath(String template, Function<String, String> sample) {
        Matcher variable = Pattern.compile("\\{([^}]+)}").matcher(template);
        StringBuilder path = new StringBuilder();
        while (variable.find()) {
            variable.appendReplacement(path, Matcher.quoteReplacement(sample.apply(variable.group(1))));
        }
        variable.appendTail(path);
        return path.toString();
    }

    /** What the REST table says of an operation: open to anyone, authenticated or not, or the roles it admits. */
    record RestRule(boolean open, List<Role> roles) {

        static final RestRule OPEN = new RestRule(true, List.of());
    }

    /**
     * The roles the REST table gives an operation, as Spring Security applies it (open paths first,
     * then the rules in order, the first match deciding): {@link RestRule#OPEN} for an open path, empty when
     * nothing matches, which is refused.
     */
    static Optional<RestRule> restRule(RestAccess access, Operation operation) {
        PathContainer path = PathContainer.parsePath(samplePath(operation.path(), name -> "sample"));
        for (String open : access.openPatterns()) {
            if (PathPatternParser.defaultInstance.parse(open).matches(path)) {
                return Optional.of(RestRule.OPEN);
            }
        }
        HttpMethod method = HttpMethod.valueOf(operation.method());
        for (RestAccess.Rule rule : access.rules()) {
            if ((rule.method() == null || rule.method().equals(method))
                    && PathPatternParser.defaultInstance.parse(rule.pattern()).matches(path)) {
                return Optional.of(new RestRule(false, List.copyOf(rule.roles())));
            }
        }
        return Optional.empty();
    }
}
