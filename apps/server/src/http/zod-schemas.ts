import type { FastifyInstance, FastifySchemaCompiler } from "fastify";
import { serializerCompiler } from "fastify-type-provider-zod";
import type { z } from "zod";

/**
 * Request parts are parsed with the route's zod schema (their parsed value, defaults and coercions
 * included, is what the handler sees). A failure is the ZodError itself, which the error handler
 * answers as 400 VALIDATION_FAILED with per-field details. A missing body parses as `{}`: a
 * command whose fields are all optional needs none.
 */
const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data ?? {});
    return result.success ? { value: result.data } : { error: result.error };
  };

/** Routes validate requests and serialise responses with the zod schemas they declare. */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  // Responses are encoded through their schema: a field the schema does not name never leaves.
  app.setSerializerCompiler(serializerCompiler);
}
