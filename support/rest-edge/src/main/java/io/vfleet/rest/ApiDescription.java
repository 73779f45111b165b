package io.vfleet.rest;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.web.method.HandlerMethod;

/**
 * What every vfleet REST API's OpenAPI description says the same way, so that a client generator is
 * told the truth: every operation needs a bearer token (the services refuse anything else with 401,
 * and a role the access table does not give with 403); every refusal is an RFC 9457 problem
 * ({@code application/problem+json}, the {@code Problem} schema with {@link ProblemType}'s {@code type}s);
 * every operation can answer 400 (an unknown query parameter is refused, see {@link KnownQueryParameters});
 * one with a body 413 ({@link RequestBodyLimit}) and 415.
 *
 * <p>A controller declares the refusals of its own operations with {@link Refuses} (or springdoc's
 * {@code @ApiResponse}); this customizer gives them the problem content.
 */
public final class ApiDescription implements OpenApiCustomizer, OperationCustomizer {

    /** The security scheme's name in the description. */
    public static final String BEARER = "bearer";

    public static final String PROBLEM_JSON = "application/problem+json";

    private static final String PROBLEM_SCHEMA = "Problem";
    private static final String FIELD_PROBLEM_SCHEMA = "FieldProblem";

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "400", "Bad input: `errors` names each field, parameter or header at fault and why; nothing was changed.",
            "401", "No bearer token, or one that is not valid.",
            "403", "The caller's role or tenant may not do this.",
            "404", "No such resource, or none the caller may see.",
            "409", "The current state does not allow this.",
            "410", "Gone.",
            "413", "The request body is larger than the service accepts; nothing of it was read.",
            "415", "The body is not of a media type this operation reads.");

    /** An operation's own refusals, from its {@link Refuses}. */
    @Override
    public Operation customize(Operation operation, HandlerMethod handler) {
        Refuses[] refusals = handler.getMethod().getAnnotationsByType(Refuses.class);
        if (refusals.length > 0) {
            ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
            for (Refuses refusal : refusals) {
                responses.addApiResponse(Integer.toString(refusal.status()), new ApiResponse().description(refusal.when()));
            }
            operation.setResponses(responses);
        }
        return operation;
    }

    @Override
    public void customise(OpenAPI api) {
        Components components = api.getComponents() == null ? new Components() : api.getComponents();
        api.setComponents(components);
        components.addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .bearerFormat("JWT")
                .description("An OAuth2 access token of the fleet's issuer, its claims naming the caller's role and tenant."));
        components.addSchemas(FIELD_PROBLEM_SCHEMA, fieldProblem());
        components.addSchemas(PROBLEM_SCHEMA, problem());
        api.setSecurity(List.of(new SecurityRequirement().addList(BEARER)));
        if (api.getPaths() == null) {
            return;
        }
        api.getPaths().values().forEach(item -> item.readOperationsMap().values().forEach(ApiDescription::describeRefusals));
    }

    /**
     * Names the schemas as the API's nouns ({@code AssignBody} becomes {@code AssignmentRequest}, a generic
     * {@code PageBodyAssignmentBody} {@code AssignmentPage}), every reference to them included: the Java
     * names are the code's, the schema names a client generator turns into its types.
     */
    public static OpenApiCustomizer nouns(Map<String, String> javaToNoun) {
        return api -> {
            if (api.getComponents() == null || api.getComponents().getSchemas() == null) {
                return;
            }
            Map<String, Schema> renamed = new TreeMap<>();
            api.getComponents().getSchemas().forEach((name, schema) -> renamed.put(javaToNoun.getOrDefault(name, name), schema));
            api.getComponents().setSchemas(renamed);
            renamed.values().forEach(schema -> rename(schema, javaToNoun));
            if (api.getPaths() != null) {
                api.getPaths().values().forEach(item -> item.readOperations().forEach(operation -> {
                    if (operation.getParameters() != null) {
                        operation.getParameters().forEach(parameter -> rename(parameter.getSchema(), javaToNoun));
                    }
                    if (operation.getRequestBody() != null) {
                        rename(operation.getRequestBody().getContent(), javaToNoun);
                    }
                    if (operation.getResponses() != null) {
                        operation.getResponses().values().forEach(response -> rename(response.getContent(), javaToNoun));
                    }
                }));
            }
        };
    }

    private static void rename(Content content, Map<String, String> javaToNoun) {
        if (content != null) {
            content.values().forEach(media -> rename(media.getSchema(), javaToNoun));
        }
    }

    private static void rename(Schema<?> schema, Map<String, String> javaToNoun) {
        if (schema == null) {
            return;
        }
        String ref = schema.get$ref();
        String prefix = "#/components/schemas/";
        if (ref != null && ref.startsWith(prefix) && javaToNoun.containsKey(ref.substring(prefix.length()))) {
            schema.set$ref(prefix + javaToNoun.get(ref.substring(prefix.length())));
        }
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(property -> rename(property, javaToNoun));
        }
        rename(schema.getItems(), javaToNoun);
        if (schema.getAdditionalProperties() instanceof Schema<?> values) {
            rename(values, javaToNoun);
        }
        for (List<Schema> composed : Arrays.asList(schema.getAllOf(), schema.getOneOf(), schema.getAnyOf())) {
            if (composed != null) {
                composed.forEach(part -> rename(part, javaToNoun));
            }
        }
    }

    private static void describeRefusals(Operation operation) {
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        operation.setResponses(responses);
        refuses(responses, "400", "401", "403");
        if (operation.getRequestBody() != null) {
            refuses(responses, "413", "415");
        }
        // Sorted by status, with the problem content on every refusal, whoever declared it.
        ApiResponses sorted = new ApiResponses();
        new TreeMap<>(responses).forEach((code, response) -> {
            if (code.startsWith("4") || code.startsWith("5")) {
                if (response.getDescription() == null || response.getDescription().isBlank()) {
                    response.setDescription(DESCRIPTIONS.getOrDefault(code, "Refused."));
                }
                response.setContent(new Content().addMediaType(PROBLEM_JSON,
                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM_SCHEMA))));
            }
            sorted.addApiResponse(code, response);
        });
        operation.setResponses(sorted);
    }

    private static void refuses(ApiResponses responses, String... codes) {
        Arrays.stream(codes).forEach(code -> responses.computeIfAbsent(code,
                missing -> new ApiResponse().description(DESCRIPTIONS.get(code))));
    }

    private static Schema<?> fieldProblem() {
        return new ObjectSchema().description("One field, query parameter or header at fault.")
                .addProperty("field", new StringSchema().description("As the API names it: `selector.count`, `devices[2]`, `Idempotency-Key`."))
                .addProperty("reason", new StringSchema().description("What is wrong with it."))
                .required(List.of("field", "reason"));
    }

    private static Schema<?> problem() {
        ObjectSchema problem = new ObjectSchema();
        problem.description("An RFC 9457 problem. `type` is one of the `urn:vfleet:problem:` URNs; `status` and `title` "
                        + "always agree with it. Some types carry more members: `violations` (assignment-refused), "
                        + "`oldestResumableRevision` (relist-required), `reason` (conflict).")
                .addProperty("type", new StringSchema().format("uri").example(ProblemType.NOT_FOUND.uri().toString())
                        ._enum(Arrays.stream(ProblemType.values()).map(type -> type.uri().toString()).toList()))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema().format("int32"))
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().format("uri-reference"))
                .addProperty("errors", new ArraySchema().items(new Schema<>().$ref("#/components/schemas/" + FIELD_PROBLEM_SCHEMA))
                        .description("400 only: every field at fault."))
                .required(List.of("type", "title", "status"));
        problem.setAdditionalProperties(true);
        return problem;
    }
}
