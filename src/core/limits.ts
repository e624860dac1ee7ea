// Hard limits of the world-line API (issue: foundation). Each one is enforced with a clear 4xx.
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9._:/-]{1,256}$/;
export const MAX_ENTITY_BYTES = 1024 * 1024; // one entity's canonical JSON
export const MAX_BODY_BYTES = 8 * 1024 * 1024; // one request body
export const MAX_JSON_DEPTH = 64;
export const MAX_NAME_LENGTH = 128;
