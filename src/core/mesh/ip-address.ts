// IP literals and the address set the reference refuses for webhooks (mesh spec §7.4 step 3):
// `is_private or is_loopback or is_link_local` of Python 3.11.2's `ipaddress`, whose tables are
// reproduced below, extended to the IPv6 forms that carry a refused IPv4 address (NAT64, 6to4,
// IPv4-compatible) so a private IPv4 destination cannot be reached by its IPv6 spelling.
// Parsing follows `ipaddress.ip_address`: strict dotted-quad IPv4 (no leading zeros, no
// shorthand), RFC 4291 IPv6 text with an optional `%zone`.

export type IpAddress = { version: 4; value: bigint } | { version: 6; value: bigint };

/** `ipaddress.ip_address(text)`, or undefined where Python raises ValueError. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part) || (part.length > 1 && part.startsWith("0"))) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(input: string): bigint | undefined {
  const zone = input.indexOf("%");
  const text = zone >= 0 ? input.slice(0, zone) : input; // scope IDs do not change the address class
  if (zone >= 0 && zone === input.length - 1) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === "") return [];
    const pieces = part.split(":");
    const groups: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece); // an embedded IPv4 tail is two groups
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(piece)) return undefined;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...new Array<number>(missing).fill(0), ...tail]) value = (value << 16n) | BigInt(group);
  return value;
}

interface Network {
  base: bigint;
  prefix: number;
}

function network(cidr: string, version: 4 | 6): Network {
  const [address, prefix] = cidr.split("/") as [string, string];
  const parsed = version === 4 ? parseIpv4(address) : parseIpv6(address);
  return { base: parsed!, prefix: Number(prefix) };
}

function contains(net: Network, bits: number, value: bigint): boolean {
  const shift = BigInt(bits - net.prefix);
  return value >> shift === net.base >> shift;
}

// Python 3.11.2 `_IPv4Constants._private_networks`; loopback (127/8) and link-local
// (169.254/16) are inside it. NOT included: 100.64.0.0/10 (carrier-grade NAT), as observed (§7.4).
const IPV4_REFUSED = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/29",
  "192.0.0.170/31",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "240.0.0.0/4",
  "255.255.255.255/32",
].map((cidr) => network(cidr, 4));

// Python 3.11.2 `_IPv6Constants._private_networks` plus is_link_local (fe80::/10, already in it)
// and is_loopback (::1). 3.11.2 lists all of ::ffff:0:0/96, so every IPv4-mapped address is
// refused, public or not (later Pythons look at the mapped IPv4 address instead; refusing more
// is the safe side for a webhook caller).
const IPV6_REFUSED = [
  "::1/128",
  "::/128",
  "::ffff:0:0/96",
  "100::/64",
  "2001::/23",
  "2001:2::/48",
  "2001:db8::/32",
  "2001:10::/28",
  "fc00::/7",
  "fe80::/10",
].map((cidr) => network(cidr, 6));

// Beyond Python 3.11.2: IPv6 ranges that carry an IPv4 address a translator or relay will reach.
// Each is judged by the IPv4 address it carries, so `64:ff9b::a00:1` is refused like 10.0.0.1
// and `64:ff9b::808:808` is allowed like 8.8.8.8. IPv4-mapped `::ffff:0:0/96` stays refused
// wholesale by the table above.
const IPV4_CARRIERS: { net: Network; shift: bigint }[] = [
  { net: network("64:ff9b::/96", 6), shift: 0n }, // RFC 6052 §2.1 well-known NAT64 prefix: IPv4 in bits 96..127
  { net: network("2002::/16", 6), shift: 80n }, // RFC 3056 §2 6to4 `2002:V4ADDR::/48`: IPv4 in bits 16..47
  { net: network("::/96", 6), shift: 0n }, // RFC 4291 §2.5.5.1 IPv4-compatible `::a.b.c.d` (`::` and `::1` are in the table)
];

// RFC 8215 local-use NAT64 prefix: the operator picks the prefix length inside it (RFC 6052 §2.2
// places the IPv4 bits differently for /48../96), so the carried address cannot be read reliably;
// refused wholesale, as Python 3.13 lists it as private.
const IPV6_LOCAL_NAT64 = network("64:ff9b:1::/48", 6);

/**
 * `is_private or is_loopback or is_link_local` in Python 3.11.2 (mesh spec §7.4 step 3), plus
 * the IPv6 forms of refused IPv4 addresses (NAT64, 6to4, IPv4-compatible).
 */
export function isRefusedAddress(address: IpAddress): boolean {
  if (address.version === 4) return IPV4_REFUSED.some((net) => contains(net, 32, address.value));
  if (IPV6_REFUSED.some((net) => contains(net, 128, address.value)) || contains(IPV6_LOCAL_NAT64, 128, address.value))
    return true;
  const carrier = IPV4_CARRIERS.find(({ net }) => contains(net, 128, address.value));
  return (
    carrier !== undefined && isRefusedAddress({ version: 4, value: (address.value >> carrier.shift) & 0xffffffffn })
  );
}
