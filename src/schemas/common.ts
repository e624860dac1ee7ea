import { z } from "zod";
import { CATALOGUE, type ProblemCode } from "../core/error-catalogue.js";

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
    code: z.string().meta({
      description:
        "stable machine-readable code (src/core/error-catalogue.ts); each operation's responses list the codes it answers",
      example: "validation-failed",
    }),
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

/**
 * The problem responses of an operation, from the codes it can answer (src/core/error-catalogue.ts):
 * grouped by status, each status's description naming its codes, and its schema the Problem with
 * `code` narrowed to them.
 */
export function problemResponses(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const { status } = CATALOGUE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: list.map((code) => `\`${code}\`: ${CATALOGUE[code].description}`).join("; "),
        content: {
          "application/problem+json": {
            schema: z.intersection(Problem, z.looseObject({ code: z.enum(list as [ProblemCode, ...ProblemCode[]]) })),
          },
        },
      },
    ]),
  );
}
