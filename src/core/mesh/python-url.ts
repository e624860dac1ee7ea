// The reference validates URLs with Python's `urllib.parse.urlsplit` (mesh spec §7.1), which
// differs from the WHATWG parser behind `new URL()` and `fetch()`: it lower-cases the scheme but
// keeps everything else verbatim, accepts spaces in hosts, and reads "has a hostname" off the
// raw netloc. Validation texts (`got '<scheme>'`) depend on its exact split, so it is reproduced
// here. What a URL actually reaches is still decided by WHATWG parsing (see ssrf.ts).

export interface PythonSplitUrl {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

// CVE-2023-24329 fix (Python ≥ 3.11.4, and Debian's patched 3.11.2): leading C0 controls and
// spaces are stripped; tab, CR and LF are removed everywhere (since 3.9.5).
function sanitize(url: string): string {
  let start = 0;
  while (start < url.length && url.charCodeAt(start) <= 0x20) start++;
  return url.slice(start).replace(/[\t\r\n]/g, "");
}

/** `urlsplit(url)`; undefined where Python raises ValueError ("Invalid URL" in the reference). */
export function pythonUrlSplit(input: string): PythonSplitUrl | undefined {
  let url = sanitize(input);
  let scheme = "";
  let netloc = "";
  let query = "";
  let fragment = "";
  const colon = url.indexOf(":");
  if (colon > 0 && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith("//")) {
    let end = url.length;
    for (const delimiter of ["/", "?", "#"]) {
      const at = url.indexOf(delimiter, 2);
      if (at >= 0 && at < end) end = at;
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
    if (netloc.includes("[") !== netloc.includes("]")) return undefined; // "Invalid IPv6 URL"
  }
  const hash = url.indexOf("#");
  if (hash >= 0) [url, fragment] = [url.slice(0, hash), url.slice(hash + 1)];
  const question = url.indexOf("?");
  if (question >= 0) [url, query] = [url.slice(0, question), url.slice(question + 1)];
  if (!isNetlocNormalizationSafe(netloc)) return undefined;
  return { scheme, netloc, path: url, query, fragment };
}

// `_checknetloc`: a non-ASCII netloc whose NFKC form grows a URL delimiter is refused, because
// a later IDNA step would turn it into a different host (CVE-2019-9636).
function isNetlocNormalizationSafe(netloc: string): boolean {
  if (/^[\x00-\x7f]*$/.test(netloc)) return true;
  const bare = netloc.replace(/[@:#?]/g, "");
  const normalized = bare.normalize("NFKC");
  if (normalized === bare) return true;
  return ![..."/?#@:"].some((c) => normalized.includes(c));
}

function hostInfo(netloc: string): { hostname: string; port: string | undefined } {
  const hostinfo = netloc.slice(netloc.lastIndexOf("@") + 1);
  const open = hostinfo.indexOf("[");
  let hostname: string;
  let port: string;
  if (open >= 0) {
    const bracketed = hostinfo.slice(open + 1);
    const close = bracketed.indexOf("]");
    hostname = close >= 0 ? bracketed.slice(0, close) : bracketed;
    const rest = close >= 0 ? bracketed.slice(close + 1) : "";
    const portColon = rest.indexOf(":");
    port = portColon >= 0 ? rest.slice(portColon + 1) : "";
  } else {
    const portColon = hostinfo.indexOf(":");
    hostname = portColon >= 0 ? hostinfo.slice(0, portColon) : hostinfo;
    port = portColon >= 0 ? hostinfo.slice(portColon + 1) : "";
  }
  return { hostname, port: port === "" ? undefined : port };
}

/** `SplitResult.hostname`: lower-cased, brackets removed, zone (`%…`) kept as is; undefined when empty. */
export function pythonHostname(split: PythonSplitUrl): string | undefined {
  const { hostname } = hostInfo(split.netloc);
  if (!hostname) return undefined;
  const percent = hostname.indexOf("%");
  return percent < 0 ? hostname.toLowerCase() : hostname.slice(0, percent).toLowerCase() + hostname.slice(percent);
}

/** `SplitResult.port`: undefined when absent; "invalid" where Python raises (non-digits, > 65535). */
export function pythonPort(split: PythonSplitUrl): number | undefined | "invalid" {
  const { port } = hostInfo(split.netloc);
  if (port === undefined) return undefined;
  if (!/^[0-9]+$/.test(port)) return "invalid";
  const value = Number(port);
  return value <= 65_535 ? value : "invalid";
}
