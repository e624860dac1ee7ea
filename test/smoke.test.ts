import { env } from "cloudflare:workers";
import { it, expect } from "vitest";
it("pings", async () => { const s = (env as any).WORLDLINE.get((env as any).WORLDLINE.idFromName("x")); expect(await s.ping()).toBe("pong"); const r = await (env as any).DB.prepare("select 1 as x").first(); expect(r.x).toBe(1); });
