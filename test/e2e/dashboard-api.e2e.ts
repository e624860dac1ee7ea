// The dashboard's API types are generated from a committed snapshot of /api/openapi.json
// (web/src/api/openapi.json, `npm run api:types`). This holds the snapshot to what the server
// serves: every operation and schema the dashboard was typed against must still be served
// exactly so. Routes added since are fine; a changed or removed one means regenerating.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { http } from "./http.js";

const snapshot = JSON.parse(readFileSync("web/src/api/openapi.json", "utf8"));
const HINT =
  "the API changed under the dashboard: run `npm run api:types`, then fix what no longer type-checks (npm run typecheck)";

describe("the dashboard's OpenAPI snapshot", () => {
  it("matches what the server serves for every operation and schema it was typed against", async () => {
    const served = (await http("GET", "/api/openapi.json")).body;
    for (const [path, operations] of Object.entries<Record<string, unknown>>(snapshot.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(served.paths[path]?.[method], `${method.toUpperCase()} ${path}: ${HINT}`).toEqual(operation);
      }
    }
    for (const [name, schema] of Object.entries(snapshot.components.schemas)) {
      expect(served.components.schemas[name], `schema ${name}: ${HINT}`).toEqual(schema);
    }
  });
});
