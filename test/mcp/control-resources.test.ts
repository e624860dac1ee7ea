// Issue 14: the control plane's MCP resources — a world line's state at its head, at a commit and
// at green, the ledger checkpoint — read what the REST API reads, a page at a time.
import { describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { api, createWorldLine, mergePatch } from "../api.js";
import { authorities } from "../keys.js";
import { approve, propose } from "../ledger-helpers.js";
import { controlClient } from "./control-client.js";

async function read(client: Client, uri: string) {
  const { contents } = await client.readResource({ uri });
  expect(contents).toHaveLength(1);
  expect(contents[0]!.uri).toBe(uri);
  return contents[0] as { uri: string; mimeType: string; text: string };
}
const readJson = async (client: Client, uri: string) => JSON.parse((await read(client, uri)).text);

describe("control-plane resources", { timeout: 60_000 }, () => {
  it("lists the templates for a world line at its head, at a commit and at green", async () => {
    const client = await controlClient();
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual([
      "darkmatter://worldlines/{id}",
      "darkmatter://worldlines/{id}/commits/{commit}",
      "darkmatter://worldlines/{id}/green",
    ]);
  });

  it("reads a world line at its head, at an earlier commit and at green, as GET …/state?at= does", async () => {
    const client = await controlClient();
    const line = await createWorldLine({ name: "scene", entities: { sun: { mass: 1 } } });
    const base = `darkmatter://worldlines/${line.id}`;
    const noGreen = await client.readResource({ uri: `${base}/green` }).catch((error) => error);
    expect(noGreen.message).toMatch(/no green/);

    const proposal = (await propose({ kind: "promote", worldline: line.id })).body;
    for (const key of authorities.slice(0, 2)) await approve(proposal.id, proposal.digest, key);
    await mergePatch(line.id, { sun: { mass: 2 } });

    const head = await readJson(client, base);
    expect(head.worldline).toEqual((await api("GET", `/api/v1/worldlines/${line.id}`)).body);
    expect(head.state).toEqual((await api("GET", `/api/v1/worldlines/${line.id}/state?limit=500`)).body);
    expect(head.state.entities).toEqual({ sun: { mass: 2 } });
    expect(head.nextUri).toBeNull();

    const earlier = await readJson(client, `${base}/commits/${line.head}`);
    expect(earlier.state).toMatchObject({ commit: line.head, entities: { sun: { mass: 1 } } });
    const green = await readJson(client, `${base}/green`);
    expect(green.state).toEqual((await api("GET", `/api/v1/worldlines/${line.id}/state?at=green&limit=500`)).body);
    expect(green.state.commit).toBe(line.head);
  });

  it("pages a large state: nextUri reads the next page of the same commit", async () => {
    const client = await controlClient();
    const entities = Object.fromEntries(Array.from({ length: 520 }, (_, i) => [`star-${i}`, { i }]));
    const line = await createWorldLine({ name: "galaxy", entities });
    const first = await readJson(client, `darkmatter://worldlines/${line.id}`);
    expect(Object.keys(first.state.entities)).toHaveLength(500);
    expect(first.nextUri).toMatch(new RegExp(`^darkmatter://worldlines/${line.id}/commits/${line.head}\\?cursor=`));
    await mergePatch(line.id, { "star-0": null }); // the head moves; the page still reads its commit
    const second = await readJson(client, first.nextUri);
    expect(second.state.commit).toBe(line.head);
    expect(second.nextUri).toBeNull();
    expect({ ...first.state.entities, ...second.state.entities }).toEqual(entities);
  });

  it("reads the ledger's signed checkpoint, and lists it with the world lines", async () => {
    const client = await controlClient();
    const checkpoint = await read(client, "darkmatter://ledger/checkpoint");
    expect(checkpoint.mimeType).toBe("text/plain");
    expect(checkpoint.text).toBe((await api("GET", "/api/v1/ledger/checkpoint")).body);
    const line = await createWorldLine({ name: "listed" });
    const { resources } = await client.listResources();
    expect(resources[0]).toMatchObject({ uri: "darkmatter://ledger/checkpoint", mimeType: "text/plain" });
    expect(resources).toContainEqual(
      expect.objectContaining({
        uri: `darkmatter://worldlines/${line.id}`,
        name: "listed",
        mimeType: "application/json",
      }),
    );
  });

  it("answers an unknown resource or a cursor it did not issue with a JSON-RPC error", async () => {
    const client = await controlClient();
    for (const uri of ["darkmatter://worldlines", "darkmatter://ledger/nothing", "https://example.com/x"]) {
      expect((await client.readResource({ uri }).catch((error) => error)).code, uri).toBe(-32002);
    }
    const forged = await client.listResources({ cursor: "not-a-cursor" }).catch((error) => error);
    expect(forged.code).toBe(-32602);
    expect(forged.message).toMatch(/cursor/);
  });
});
