import { z } from "zod";

/** Mesh spec §5.2: an agent id is its public key hex; ids over 128 code points are refused (§12.1). */
export const AgentId = z.string().min(1).max(128);
export const Millis = z
  .number()
  .int()
  .min(0)
  .max(8_640_000_000_000_000)
  .meta({ description: "milliseconds since the Unix epoch" });

export const Problem = z
  .object({
    type: z.string().meta({ description: "URI naming the problem type" }),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ description: "stable machine-readable code", example: "validation-failed" }),
    detail: z.string().meta({ description: "what went wrong and what to do about it" }),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "the fields at fault, as JSON Pointers into the request" }),
  })
  .loose()
  .meta({ id: "Problem", description: "RFC 9457 problem details" });

export const Hash = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .meta({
    description: "SHA3-256, lowercase hex",
    example: "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
  });

export const Cursor = z
  .string()
  .max(512)
  .optional()
  .meta({ description: "opaque cursor from the previous page's `next`" });
export const Limit = z.coerce.number().int().min(1).max(500).default(50);

export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? "error",
        content: { "application/problem+json": { schema: Problem } },
      },
    ]),
  );

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "malformed request",
  401: "operator token missing",
  403: "operator token wrong",
  404: "no such resource (or not visible to you)",
  409: "conflict with the current state",
  410: "the world line is terminated",
  412: "If-Match does not name the current head",
  413: "body or entity over the size limit",
  415: "unsupported content type",
  422: "the request is well-formed but cannot be applied",
  423: "the world line is quarantined",
};
