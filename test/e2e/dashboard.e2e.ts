// The dashboard as a person uses it: Chromium against the real wrangler dev (see browser.ts).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { http } from "./http.js";
import { freePort } from "../../scripts/wrangler-dev.js";
import {
  authorityKeys,
  launchChromium,
  openDashboard,
  screenshot,
  serveDashboardElsewhere,
  unique,
} from "./browser.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  // A crowded multiverse, as a working one is: too many world lines to read at once, so the
  // graph opens zoomed out as the canvas map and every flow below has to find its way from there.
  const crowd = Array.from({ length: CROWD }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = crowd.pop(); i !== undefined; i = crowd.pop())
        await http("POST", "/api/v1/worldlines", { body: { name: `ui-crowd-${i}` } });
    }),
  );
});
afterAll(async () => {
  await browser?.close();
});

const CROWD = 250;
const node = (page: Page, name: string) => page.locator(`[data-testid="wl-node"][data-name="${name}"]`);
const nodeId = async (page: Page, name: string) => (await node(page, name).getAttribute("data-id"))!;
const tab = (page: Page, name: string) => page.getByRole("tab", { name });

describe("dashboard: multiverse", () => {
  it("creates and forks world lines in the UI and draws the fork edge between them", async () => {
    const page = await openDashboard(browser);
    await expect.poll(() => page.getByTestId("multiverse-graph").getAttribute("data-view")).toBe("map"); // the crowd, zoomed out
    const root = unique("ui-root");
    await page.getByRole("button", { name: "new world line" }).click();
    await page.getByLabel("world line name").fill(root);
    await page.getByRole("button", { name: "create", exact: true }).click();
    await expect.poll(() => node(page, root).count()).toBe(1);
    await expect.poll(() => node(page, root).getAttribute("data-state")).toBe("blue");
    await expect.poll(() => page.getByTestId("worldline-panel").locator("h2").textContent()).toBe(root);

    await tab(page, "Actions").click();
    await page.getByLabel("fork name").fill(`${root}-fork`);
    await page.getByRole("button", { name: "fork", exact: true }).click();
    await expect.poll(() => node(page, `${root}-fork`).count()).toBe(1);
    const [from, to] = [await nodeId(page, root), await nodeId(page, `${root}-fork`)];
    await page.getByLabel("find world line").fill(root);
    await expect.poll(() => page.locator(`[data-testid^="rf__edge-fork:${from}:${to}:"]`).count()).toBe(1);
    await expect.poll(() => page.getByTestId("worldline-panel").locator("h2").textContent()).toBe(`${root}-fork`);
    await screenshot(page, "multiverse-fork");
    await page.context().close();
  });

  it("draws the zoomed-out graph as a map: points name world lines, a click opens one and zooms to it", async () => {
    const name = unique("ui-map");
    const created = (await http("POST", "/api/v1/worldlines", { body: { name, entities: { sun: { mass: 1 } } } })).body;
    const page = await openDashboard(browser);
    const graph = page.getByTestId("multiverse-graph");
    await page.getByLabel("find world line").fill(name);
    await expect.poll(() => node(page, name).count()).toBe(1);
    expect(await graph.getAttribute("data-view")).toBe("nodes");

    // The search framed the one world line in the middle of the graph; zooming out around the
    // middle keeps it there while the DOM nodes give way to the canvas.
    const box = (await graph.boundingBox())!;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(x, y);
    for (let step = 0; step < 30 && (await graph.getAttribute("data-view")) !== "map"; step++)
      await page.mouse.wheel(0, 200);
    await expect.poll(() => graph.getAttribute("data-view")).toBe("map");
    expect(await page.locator('[data-testid="wl-node"]').count()).toBe(0);
    const map = page.getByTestId("multiverse-map");
    expect(await map.getAttribute("data-world-lines")).toBe("1");
    const painted = await map.evaluate(
      (canvas: HTMLCanvasElement, at) => {
        const bounds = canvas.getBoundingClientRect();
        const pixel = canvas
          .getContext("2d")!
          .getImageData(Math.round(at.x - bounds.left), Math.round(at.y - bounds.top), 1, 1).data;
        return Array.from(pixel);
      },
      { x, y },
    );
    expect(painted[3]).toBeGreaterThan(0); // the world line's box is drawn under the pointer

    await page.mouse.move(x + 1, y);
    await expect.poll(() => page.getByTestId("map-tip").textContent()).toBe(`${name} · blue`);
    await screenshot(page, "multiverse-map");
    await page.mouse.click(x, y);
    await expect.poll(() => page.getByTestId("worldline-panel").locator("h2").textContent()).toBe(name);
    await expect.poll(() => graph.getAttribute("data-view")).toBe("nodes");
    await expect.poll(() => node(page, name).getAttribute("class")).toContain("wl-selected");
    expect(await node(page, name).getAttribute("data-id")).toBe(created.id);
    await page.context().close();
  });

  it("shows a refused merge's conflicts side by side, and settles them with a strategy", async () => {
    const name = unique("ui-merge");
    const base = (await http("POST", "/api/v1/worldlines", { body: { name, entities: { sun: { mass: 1 } } } })).body;
    const fork = (await http("POST", `/api/v1/worldlines/${base.id}/fork`, { body: { name: `${name}-fork` } })).body;
    await http("PATCH", `/api/v1/worldlines/${base.id}/state`, {
      body: { sun: { mass: 2 } },
      contentType: "application/merge-patch+json",
    });
    await http("PATCH", `/api/v1/worldlines/${fork.id}/state`, {
      body: { sun: { mass: 3 } },
      contentType: "application/merge-patch+json",
    });

    const page = await openDashboard(browser, `#/multiverse/${base.id}`);
    await tab(page, "Actions").click();
    await page.getByLabel("merge source").selectOption(fork.id);
    await page.getByRole("button", { name: "merge", exact: true }).click();
    const conflicts = page.getByTestId("merge-conflicts");
    await conflicts.waitFor();
    expect(await conflicts.getByTestId("conflict").count()).toBe(1);
    const cells = await conflicts.getByTestId("conflict").locator("th, td").allTextContents();
    expect(cells.map((text) => text.trim())).toEqual(["/sun/mass", "1", "2", "3"]);
    expect(await page.getByRole("alert").first().textContent()).toContain("merge:");
    await screenshot(page, "merge-conflicts");
    expect((await http("GET", `/api/v1/worldlines/${base.id}/state`)).body.entities).toEqual({ sun: { mass: 2 } });

    await page.getByRole("button", { name: "settle all with theirs" }).click();
    await expect
      .poll(async () => (await http("GET", `/api/v1/worldlines/${base.id}/state`)).body.entities)
      .toEqual({ sun: { mass: 3 } });
    await page.context().close();
  });

  it("shows the problem detail next to a patch the server refuses", async () => {
    const created = (
      await http("POST", "/api/v1/worldlines", { body: { name: unique("ui-patch"), entities: { sun: { mass: 1 } } } })
    ).body;
    const page = await openDashboard(browser, `#/multiverse/${created.id}`);
    await tab(page, "Actions").click();
    await page.getByLabel("JSON Patch (RFC 6902)").check();
    await page.getByLabel("patch", { exact: true }).fill('[{"op": "remove", "path": "/moon"}]');
    await page.getByRole("button", { name: "commit patch" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^patch: .+\(422/);
    await page.context().close();
  });
});

describe("dashboard: promotion and the ledger", () => {
  it("promotes with two authority approvals: the node turns green and the decision entry verifies ✓", async () => {
    const name = unique("ui-promote");
    const created = (await http("POST", "/api/v1/worldlines", { body: { name, entities: { sun: { mass: 1 } } } })).body;
    const page = await openDashboard(browser, `#/multiverse/${created.id}`);
    await page.getByLabel("find world line").fill(name);
    await tab(page, "Promotion").click();
    await page.getByRole("button", { name: /^promote head/ }).click();
    const proposal = page.getByTestId("proposal");
    await proposal.waitFor();
    expect(await proposal.getByTestId("digest").textContent()).toMatch(/^[0-9a-f]{64}$/);
    expect(await proposal.getByTestId("approval-count").textContent()).toBe("0 of 2 approvals");

    const [first, , third] = authorityKeys();
    await proposal.getByLabel("authority private key").fill(first!.privateKey);
    await proposal.getByRole("button", { name: "sign and approve" }).click();
    await expect.poll(() => proposal.getByTestId("approval-count").textContent()).toBe("1 of 2 approvals");
    await screenshot(page, "promotion-one-approval");
    await proposal.getByLabel("authority private key").fill(third!.privateKey);
    await proposal.getByRole("button", { name: "sign and approve" }).click();
    await expect.poll(() => proposal.getAttribute("data-status")).toBe("approved");
    await expect.poll(() => node(page, name).getAttribute("data-state"), { timeout: 10_000 }).toBe("green");
    await screenshot(page, "promotion-green");

    await page.goto(`${page.url().split("#")[0]}#/ledger`);
    await page.getByLabel("filter by world line").fill(created.id);
    const promote = page.locator('[data-testid="entry-row"][data-kind="promote"]');
    await promote.waitFor();
    await expect.poll(() => promote.getByTestId("verify").getAttribute("data-result"), { timeout: 10_000 }).toBe("ok");
    await expect
      .poll(() => page.locator('[data-testid="entry-row"][data-kind="approval"] [data-result="ok"]').count())
      .toBe(2);
    await promote.click();
    expect(await page.getByTestId("verification-detail").textContent()).toContain(
      "quorum of 2 valid authority signatures",
    );
    expect(await page.getByTestId("checkpoint").textContent()).toContain("✓");
    await screenshot(page, "ledger-verified");
    await page.context().close();
  });

  it("shows a tampered ledger response as failed ✗", async () => {
    await http("POST", "/api/v1/ledger/anchors", {
      body: { anchors: [1, 2, 3].map((size) => ({ subject: unique("ui-anchor"), root: "ab".repeat(32), size })) },
    });
    const page = await openDashboard(browser, "#/ledger", { operator: false });
    // Route interception stands in for a lying server or a man in the middle: every entry page
    // comes back with entry data altered after it was hashed.
    await page.route("**/api/v1/ledger/entries?**", async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const entry of body.items) if (entry.index > 0) entry.timestamp += 1;
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    const rows = page.getByTestId("entry-row");
    await rows.nth(1).waitFor();
    await expect
      .poll(() => rows.nth(1).getByTestId("verify").getAttribute("data-result"), { timeout: 10_000 })
      .toBe("failed");
    expect(await rows.nth(1).getByTestId("verify").textContent()).toBe("✗ hash");
    await expect
      .poll(() => rows.nth(0).getByTestId("verify").getAttribute("data-result"), { timeout: 10_000 })
      .toBe("ok"); // genesis was left alone
    await rows.nth(1).click();
    expect(await page.getByTestId("verification-detail").textContent()).toContain(
      "the inclusion proof does not lead to the signed root",
    );
    await screenshot(page, "ledger-tampered");
    await page.context().close();
  });
});

describe("dashboard: access, live updates and the other pages", () => {
  it("is read-only without the token and lists only public world lines", async () => {
    const hidden = (await http("POST", "/api/v1/worldlines", { body: { name: unique("ui-private") } })).body;
    const shown = (
      await http("POST", "/api/v1/worldlines", { body: { name: unique("ui-public"), privacy: "full-public" } })
    ).body;
    const page = await openDashboard(browser, "#/multiverse", { operator: false });
    const search = page.getByLabel("find world line");
    await search.fill(hidden.name);
    await expect.poll(() => page.getByLabel("legend").textContent()).toContain("· 0 world lines");
    await search.fill(shown.name);
    await expect.poll(() => node(page, shown.name).count()).toBe(1);
    expect(await page.getByLabel("legend").textContent()).toContain("· 1 world line,");
    expect(await page.getByRole("button", { name: "new world line" }).count()).toBe(0);
    expect(await page.getByTestId("token-bar").textContent()).toContain("read-only");
    await node(page, shown.name).click();
    await expect.poll(() => page.getByTestId("worldline-panel").locator("h2").textContent()).toBe(shown.name);
    expect(await tab(page, "Actions").count()).toBe(0);
    // The keyboard way in: Tab reaches the node, Enter opens it.
    await page.getByRole("button", { name: "close panel" }).click();
    await node(page, shown.name).locator("xpath=..").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("worldline-panel").locator("h2").textContent()).toBe(shown.name);
    await screenshot(page, "multiverse-read-only");

    await page.getByLabel("operator token").fill("not-the-token");
    await page.getByRole("button", { name: "use token" }).click();
    await expect
      .poll(() => page.getByRole("alert").first().textContent())
      .toContain("the bearer token is not the operator token");
    await page.context().close();
  });

  it("shows world lines created elsewhere without a reload, told by the live channel", async () => {
    const page = await openDashboard(browser);
    await page.getByTestId("multiverse-graph").waitFor();
    await expect.poll(() => page.getByTestId("live-state").textContent()).toBe("● live");
    const name = unique("ui-elsewhere");
    await page.getByLabel("find world line").fill(name);
    await http("POST", "/api/v1/worldlines", { body: { name } });
    // While live, the fallback poll comes every 15 s: sooner than that, only the live hint can have brought it.
    await expect.poll(() => node(page, name).count(), { timeout: 8_000 }).toBe(1);
    await page.getByLabel("find world line").press("Enter"); // the search names it: Enter opens it
    await expect.poll(() => page.getByTestId("worldline-panel").locator("h2").textContent()).toBe(name);
    await page.context().close();
  });

  it("works served from another origin that the API allows (Pages), live channel included, and from no other", async () => {
    const allowed = await serveDashboardElsewhere(Number(new URL(inject("dashboardOrigin")).port), inject("baseUrl"));
    const other = await serveDashboardElsewhere(await freePort(), inject("baseUrl"));
    try {
      const page = await openDashboard(browser, "#/multiverse", { origin: allowed.origin });
      await expect.poll(() => page.getByTestId("live-state").textContent()).toBe("● live");
      const name = unique("ui-pages");
      await page.getByLabel("find world line").fill(name);
      await page.getByRole("button", { name: "new world line" }).click();
      await page.getByLabel("world line name").fill(name);
      await page.getByRole("button", { name: "create", exact: true }).click(); // a preflighted POST with the token
      await expect.poll(() => node(page, name).count()).toBe(1);
      await http("POST", "/api/v1/worldlines", { body: { name: `${name}-elsewhere` } });
      await expect.poll(() => node(page, `${name}-elsewhere`).count(), { timeout: 8_000 }).toBe(1);
      await screenshot(page, "multiverse-from-pages");
      await page.context().close();

      const refused = await openDashboard(browser, "#/multiverse", { origin: other.origin });
      await expect.poll(() => refused.getByRole("alert").first().textContent()).toContain("could not reach the API");
      await expect.poll(() => refused.getByTestId("live-state").textContent()).toBe("● polling every 3 s");
      expect(await refused.getByTestId("multiverse-graph").count()).toBe(0);
      await refused.context().close();
    } finally {
      await Promise.all([allowed.close(), other.close()]);
    }
  });

  it("runs the mesh from the page: two agents, a connection request accepted, a signed message and its answer", async () => {
    const [alice, bob] = [unique("ui-alice"), unique("ui-bob")].map((n) => n.toLowerCase());
    const page = await openDashboard(browser, "#/mesh");
    const agents = page.getByRole("navigation", { name: "agents" });
    const view = page.getByTestId("agent-view");
    for (const name of [bob, alice]) {
      await page.getByLabel("new agent name").fill(name);
      await agents.getByRole("button", { name: "create" }).click();
      await expect.poll(() => view.getByTestId("agent-identity").textContent()).toContain(name);
    }
    // Alice (selected: created last) asks Bob, at the URL Bob's page shows, to connect.
    await page.getByLabel("peer url").fill(`${inject("baseUrl")}/agents/${bob}`);
    await page.getByRole("button", { name: "connect", exact: true }).click();
    await agents.getByRole("button", { name: new RegExp(`^${bob}`) }).click();
    await view.locator(".pending-request").getByRole("button", { name: "accept" }).click();
    await expect.poll(() => view.locator("ul").first().textContent()).toContain(`/agents/${alice}`);

    await agents.getByRole("button", { name: new RegExp(`^${alice}`) }).click();
    await page.getByLabel("message", { exact: true }).fill("ping from the dashboard");
    await page.getByRole("button", { name: "send", exact: true }).click();
    await expect
      .poll(() => view.getByTestId("sent").textContent())
      .toContain("[active] to 1 peer(s): ping from the dashboard");
    const messageId = (await view.getByTestId("sent").locator("code").first().textContent())!;

    await agents.getByRole("button", { name: new RegExp(`^${bob}`) }).click();
    await expect.poll(() => view.getByTestId("inbox").textContent()).toContain(`${messageId} from`);
    expect(await view.getByTestId("inbox").textContent()).toContain("✓ signed: ping from the dashboard");
    await screenshot(page, "mesh-inbox");

    // Bob answers; the signed answer reaches Alice by her webhook, and leaves Bob's inbox (§11.4).
    await view.getByLabel(`response to ${messageId}`).fill("pong from bob");
    await view.getByTestId("inbox-message").getByRole("button", { name: "respond" }).click();
    await expect.poll(() => view.getByTestId("inbox").textContent()).not.toContain(messageId);
    await agents.getByRole("button", { name: new RegExp(`^${alice}`) }).click();
    await expect.poll(() => view.getByTestId("sent").textContent()).toContain("response: pong from bob");
    expect(await view.getByTestId("sent").textContent()).toContain(`${messageId} [responded]`);
    await screenshot(page, "mesh-conversation");
    await page.context().close();
  });

  it("filters the event feed and pages back through older events without losing any", async () => {
    const type = `ui.paging.${unique("run").replace(/[^a-z0-9]/g, "")}`;
    for (const batch of [0, 1]) {
      await http("POST", "/api/v1/events", {
        body: {
          events: Array.from({ length: 80 }, (_, i) => ({ type, source: "browser-test", data: { n: batch * 80 + i } })),
        },
      });
    }
    await expect
      .poll(async () => (await http("GET", `/api/v1/events?type=${type}&limit=200`)).body.items.length, {
        timeout: 20_000,
      })
      .toBe(160);

    const page = await openDashboard(browser, "#/events");
    await page.getByLabel("event type").fill(type);
    const rows = page.getByTestId("events").locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(100); // the newest page
    // A failing page shows its problem next to the button and keeps what is shown; asking again works.
    const olderPage = "**/api/v1/events?*cursor=*";
    await page.route(olderPage, (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/problem+json",
        body: JSON.stringify({
          title: "Unavailable",
          status: 503,
          code: "storage-busy",
          detail: "the event store is busy",
        }),
      }),
    );
    await page.getByRole("button", { name: "older events" }).click();
    await expect
      .poll(() => page.getByRole("alert").first().textContent())
      .toContain("older events: the event store is busy");
    expect(await rows.count()).toBe(100);
    await page.unroute(olderPage);
    await page.getByRole("button", { name: "older events" }).click();
    await expect.poll(() => rows.count()).toBe(160);
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await page.getByRole("button", { name: "older events" }).count()).toBe(0); // nothing older is left
    const numbers = await rows
      .locator("details")
      .evaluateAll((all) => all.map((d) => JSON.parse(d.querySelector("pre, code")?.textContent ?? "{}").n as number));
    expect(new Set(numbers).size).toBe(160); // every event once
    await page.context().close();
  });

  it("renders the ledger, tasks, mesh and events pages", async () => {
    await http("POST", "/api/v1/agents", { body: { name: unique("ui-agent").toLowerCase() } });
    const page = await openDashboard(browser, "#/ledger");
    await page.getByTestId("ledger-status").waitFor();
    await screenshot(page, "ledger");

    await page.goto(`${page.url().split("#")[0]}#/mesh`);
    await page.getByRole("navigation", { name: "agents" }).getByRole("button", { name: /^hub/ }).click();
    await page.getByTestId("agent-identity").waitFor();
    await screenshot(page, "mesh");

    await page.goto(`${page.url().split("#")[0]}#/events`);
    await page.getByTestId("events").waitFor();
    await screenshot(page, "events");

    await page.goto(`${page.url().split("#")[0]}#/tasks`);
    await page.getByRole("heading", { name: "Tasks" }).waitFor();
    await screenshot(page, "tasks");
    await page.context().close();
  });
});

describe("dashboard: an agent's router", () => {
  it("sets a RESPOND rule in the editor that answers a ping; refuses a bad edit at its field and a stale one, saving nothing", async () => {
    const [sender, receiver] = [unique("ui-sender"), unique("ui-receiver")].map((n) => n.toLowerCase());
    const ids: Record<string, string> = {};
    for (const name of [sender, receiver]) {
      const created = await http("POST", "/api/v1/agents", { body: { name } });
      expect(created.status).toBe(201);
      ids[name] = created.body.agent_id;
    }
    const requested = await http("POST", `/api/v1/agents/${sender}/connections`, {
      body: { action: "request", target_url: `${inject("baseUrl")}/agents/${receiver}` },
    });
    const accepted = await http("POST", `/api/v1/agents/${receiver}/connections`, {
      body: { action: "accept", request_id: requested.body.request_id },
    });
    expect(accepted.body.accepted).toBe(true);

    const page = await openDashboard(browser, "#/mesh");
    const agents = page.getByRole("navigation", { name: "agents" });
    const view = page.getByTestId("agent-view");
    const panel = page.getByTestId("router-panel");
    await agents.getByRole("button", { name: new RegExp(`^${receiver}`) }).click();
    await expect.poll(() => panel.getByTestId("router-version").textContent()).toBe("version 0");
    expect(await panel.getByTestId("router-mode").textContent()).toBe("queue_only");

    await panel.getByRole("button", { name: "edit router" }).click();
    await panel.getByLabel("router mode").selectOption("rules_only");
    await panel.getByRole("button", { name: "add rule" }).click();
    await panel.getByLabel("rule 0 keywords").fill("ping");
    await panel.getByLabel("rule 0 action").selectOption("RESPOND");
    await panel.getByLabel("rule 0 response").fill("pong: {{content}}");
    await panel.getByRole("button", { name: "save router" }).click();
    await expect.poll(() => panel.getByTestId("router-version").textContent()).toBe("version 1");
    expect(await panel.getByTestId("router-mode").textContent()).toBe("rules_only");
    expect(await panel.getByTestId("router-rule").allTextContents()).toEqual([
      'content has "ping" → RESPOND: pong: {{content}}',
    ]);
    const saved = (await http("GET", `/api/v1/agents/${receiver}/router`)).body;
    expect(saved).toMatchObject({
      version: 1,
      router: {
        mode: "rules_only",
        rules: [{ match: { keywords: ["ping"] }, action: "RESPOND", response: "pong: {{content}}" }],
      },
    });

    // Metadata that is not JSON never leaves the page; FORWARD with no targets is the server's to
    // refuse (422), at /rules/0/targets, shown at that field.
    await panel.getByRole("button", { name: "edit router" }).click();
    await panel.getByLabel("rule 0 metadata").fill("{oops");
    await panel.getByRole("button", { name: "save router" }).click();
    const metadataError = panel.locator('[data-testid="field-error"][data-pointer="/rules/0/match/metadata"]');
    await expect.poll(() => metadataError.textContent()).toContain("not JSON");
    expect(await panel.getByRole("alert").count()).toBe(0); // nothing was sent
    await panel.getByLabel("rule 0 metadata").fill("");
    await panel.getByLabel("rule 0 action").selectOption("FORWARD");
    await panel.getByRole("button", { name: "save router" }).click();
    const targetsError = panel.locator('[data-testid="field-error"][data-pointer="/rules/0/targets"]');
    await expect.poll(() => targetsError.textContent()).toBe("FORWARD needs targets");
    expect(await metadataError.count()).toBe(0);
    expect(await panel.getByRole("alert").textContent()).toContain("(422 invalid-router)");
    await targetsError.scrollIntoViewIfNeeded();
    await screenshot(page, "mesh-router-invalid");
    expect((await http("GET", `/api/v1/agents/${receiver}/router`)).body).toEqual(saved); // nothing changed
    await panel.getByRole("button", { name: "cancel" }).click();
    expect(await panel.getByTestId("router-version").textContent()).toBe("version 1");

    // Saved elsewhere while this editor was open: the save is refused (412), and reload offers version 2.
    await panel.getByRole("button", { name: "edit router" }).click();
    const elsewhere = await http("PUT", `/api/v1/agents/${receiver}/router`, {
      body: saved.router,
      headers: { "if-match": '"1"' },
    });
    expect(elsewhere.body.version).toBe(2);
    await panel.getByLabel("rule 0 note").fill("edited on version 1");
    await panel.getByRole("button", { name: "save router" }).click();
    await expect
      .poll(() => panel.getByRole("alert").textContent())
      .toContain("The router changed elsewhere: it is at version 2");
    await panel.getByRole("button", { name: /^reload it/ }).click();
    await expect.poll(() => panel.locator("legend").textContent()).toBe("Editing version 2");
    expect(await panel.getByLabel("rule 0 note").inputValue()).toBe("");
    await panel.getByRole("button", { name: "cancel" }).click();
    await expect.poll(() => panel.getByTestId("router-version").textContent()).toBe("version 2");

    // The rule answers a ping on its own; a message no rule decides stays, and can be routed again.
    const ping = (
      await http("POST", `/api/v1/agents/${sender}/messages`, {
        body: { content: "ping", target_agent_id: ids[receiver] },
      })
    ).body;
    const decision = panel.locator(`[data-testid="routing-decision"][data-message-id="${ping.message_id}"]`);
    await expect.poll(() => decision.count(), { timeout: 15_000 }).toBe(1);
    expect((await decision.locator("td").allTextContents()).slice(2)).toEqual([
      ids[sender]!.slice(0, 12),
      "0",
      "respond",
      "done",
      "",
    ]);
    const hello = (
      await http("POST", `/api/v1/agents/${sender}/messages`, {
        body: { content: "hello", target_agent_id: ids[receiver] },
      })
    ).body;
    const held = view.locator(`[data-testid="inbox-message"][data-id="${hello.message_id}"]`);
    await expect
      .poll(() => held.getByTestId("routing").textContent(), { timeout: 15_000 })
      .toContain("router: queue → kept: no rule decided");
    await held.getByRole("button", { name: "route again" }).click();
    const helloDecisions = panel.locator(`[data-testid="routing-decision"][data-message-id="${hello.message_id}"]`);
    await expect.poll(() => helloDecisions.count()).toBe(2);
    await panel.getByTestId("routing-decisions").scrollIntoViewIfNeeded();
    await screenshot(page, "mesh-router-decisions");

    await agents.getByRole("button", { name: new RegExp(`^${sender}`) }).click();
    await expect.poll(() => view.getByTestId("sent").textContent()).toContain("response: pong: ping");
    expect(await view.getByTestId("sent").textContent()).toContain(`${ping.message_id} [responded]`);
    await page.context().close();
  });
});

describe("dashboard: the approval queue", () => {
  it("approves a pending task from HALO, dispatches it, and follows it to completed", async () => {
    const tag = unique("ui-task").toLowerCase();
    const agent = (await http("POST", "/api/v1/agents", { body: { name: tag } })).body;
    expect(
      (
        await http("POST", "/api/v1/squads", {
          body: { name: `${tag}-squad`, members: [agent.agent_id], capabilities: ["error-events"] },
        })
      ).status,
    ).toBe(201);
    const type = `sim.${tag.replace(/-/g, "")}.crashed`;
    const posted = (
      await http("POST", "/api/v1/events", {
        body: { type, source: "browser-test", severity: "error", data: { episode: 7 } },
      })
    ).body;
    let taskId = "";
    await expect
      .poll(
        async () => {
          const items =
            (await http("GET", `/api/v1/tasks?fingerprint=${encodeURIComponent(`error-events:event:${type}`)}`)).body
              .items ?? [];
          taskId = items[0]?.id ?? "";
          return items[0]?.status;
        },
        { timeout: 30_000 },
      )
      .toBe("pending-approval");

    const page = await openDashboard(browser, "#/tasks");
    const card = page.locator(`[data-testid="task"][data-task-id="${taskId}"]`);
    await card.waitFor();
    await expect.poll(() => card.getByTestId("task-evidence").textContent()).toContain(posted.id);
    await screenshot(page, "task-pending");
    await card.getByRole("button", { name: "approve" }).click();
    await page.getByRole("button", { name: "all", exact: true }).click(); // the default filter shows only pending approvals
    await expect.poll(() => card.getAttribute("data-status"), { timeout: 15_000 }).toBe("approved");
    if (!(await card.getByRole("button", { name: "dispatch" }).isVisible())) await card.locator("header").click(); // open the card
    await card.getByRole("button", { name: "dispatch" }).click();
    await expect.poll(() => card.getAttribute("data-status"), { timeout: 15_000 }).toBe("dispatched");

    // Other e2e files run squads for this task kind on the same server: answer from whichever member got it.
    const chosen = (await http("GET", `/api/v1/tasks/${taskId}`)).body.agent;
    const member = ((await http("GET", "/api/v1/agents")).body.items as Array<{ name: string; agent_id: string }>).find(
      (a) => a.agent_id === chosen,
    )!;
    const held = (await http("GET", `/api/v1/agents/${member.name}/inbox`)).body.items.find(
      (m: { metadata: { taskId?: string } }) => m.metadata.taskId === taskId,
    );
    expect(
      (
        await http("POST", `/api/v1/agents/${member.name}/messages/${held.message_id}/respond`, {
          body: { response: "restarted the episode" },
        })
      ).body.success,
    ).toBe(true);
    await expect.poll(() => card.getAttribute("data-status"), { timeout: 30_000 }).toBe("completed");
    await expect.poll(() => card.getByTestId("task-timeline").textContent()).toContain("completed");
    await screenshot(page, "task-completed");
    await page.context().close();
  });
});
