// `darkmatter_discover_domain` (mesh spec §13.1, §17): fetch a domain's well-known document from
// the Worker, under the SSRF fetch rule on every hop (src/mesh/transport.ts fetchDocument), with
// the spec's 10 s timeout and its one retry over http after a connection error. This Worker's own
// origin is answered in-process, as every mesh call to it is.
import { discoveryResult, wellKnownUrls, type DiscoveryResult } from "../core/mesh/discovery.js";
import { TIMEOUTS_SECONDS } from "../core/mesh/limits.js";
import { fetchDocument } from "./transport.js";

/** Redirects followed (httpx, the reference's client, follows up to 20; a handful serves every real site). */
const MAX_REDIRECTS = 5;

export async function discoverDomain(env: Env, domain: string): Promise<DiscoveryResult> {
  const { url, retryUrl } = wellKnownUrls(domain);
  const options = { timeoutMs: TIMEOUTS_SECONDS.wellKnownDiscovery * 1000, maxRedirects: MAX_REDIRECTS };
  let fetched = await fetchDocument(env, url, options);
  if (fetched.kind === "unreachable" && retryUrl) fetched = await fetchDocument(env, retryUrl, options);
  if (fetched.kind !== "answered") return { found: false, error: fetched.error };
  if (fetched.body === undefined && fetched.status === 200) return { found: false, error: "Response is not JSON." };
  return discoveryResult(fetched.status, fetched.body);
}
