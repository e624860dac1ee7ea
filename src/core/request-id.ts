// Request ids (issue 16): a client's `x-request-id` is kept when it is a reasonable id (bounded,
// characters safe in a header, a log line and a URL fragment), else the server makes one. The id
// is echoed on every response, carried in problem+json as `requestId` and on the request's log line.
import { newId } from "./ids.js";

export const REQUEST_ID_HEADER = "x-request-id";

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export const isAcceptableRequestId = (value: string | null | undefined): value is string =>
  typeof value === "string" && ACCEPTABLE_REQUEST_ID.test(value);

/** The client's id when acceptable, else a fresh `req_<ulid>`. */
export const requestIdOf = (given: string | null | undefined): string =>
  isAcceptableRequestId(given) ? given : newId("req");
