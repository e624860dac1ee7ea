// One error type for the whole system (STYLE: errors carry a stable code, raised as one type,
// rendered in one place as RFC 9457 problem+json). Core code throws it; the HTTP edge renders it.
// The code decides the status and title (src/core/error-catalogue.ts): one code, one status.
import { CATALOGUE, type ProblemCode } from "./error-catalogue.js";

export type { ProblemCode } from "./error-catalogue.js";

export interface FieldError {
  /** The request part (body, query, path), or `state` for stored data a request ran into. */
  in?: string;
  path: string;
  message: string;
}

export interface ProblemFields {
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class DomainError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly fields: ProblemFields;

  constructor(code: ProblemCode, fields: ProblemFields | string) {
    const normalized = typeof fields === "string" ? { detail: fields } : fields;
    super(normalized.detail);
    this.name = "DomainError";
    this.status = CATALOGUE[code].status;
    this.code = code;
    this.fields = normalized;
  }

  /** Plain-data form, safe to pass across Durable Object RPC (class identity does not survive it). */
  toProblem(): Problem {
    return { status: this.status, code: this.code, ...this.fields };
  }

  static from(problem: Problem): DomainError {
    const { status: _, code, ...fields } = problem;
    return new DomainError(code, fields as ProblemFields);
  }
}

/** A DomainError as plain data (status included, for readers on the other side of an RPC). */
export interface Problem extends ProblemFields {
  status: number;
  code: ProblemCode;
}

/** Result of a call across an RPC boundary: the value, or the problem it raised. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export async function capture<T>(work: () => Promise<T> | T): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, problem: error.toProblem() };
    throw error;
  }
}

export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw DomainError.from(outcome.problem);
}

export const notFound = (what: string) =>
  new DomainError("not-found", `${what} does not exist or is not visible to you`);

/** A paging cursor this server did not issue (or no longer honours): start again without it. */
export const invalidCursor = (detail = "the cursor was not issued by this server; start again without it") =>
  new DomainError("invalid-cursor", detail);
