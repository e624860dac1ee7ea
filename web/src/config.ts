// Where the API is. Same origin by default (the Worker serves the dashboard); a dashboard deployed
// elsewhere (Cloudflare Pages) names the API's origin either at build time (VITE_DM_API_URL) or at
// run time in a `config.json` beside index.html: {"apiUrl": "https://…"}. The runtime file wins,
// so one build can be pointed at another API without rebuilding.
export interface DashboardConfig {
  /** API origin without a trailing slash; "" means this page's origin. */
  apiUrl: string;
}

export async function loadConfig(): Promise<DashboardConfig> {
  const built = (import.meta.env.VITE_DM_API_URL ?? "").replace(/\/+$/, "");
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-store" });
    if (response.ok && (response.headers.get("content-type") ?? "").includes("json")) {
      const runtime = (await response.json()) as Partial<DashboardConfig>;
      if (typeof runtime.apiUrl === "string") return { apiUrl: runtime.apiUrl.replace(/\/+$/, "") };
    }
  } catch {
    // no config.json (the usual case when the Worker serves the dashboard): the build-time value holds
  }
  return { apiUrl: built };
}
