// Mesh timestamps (mesh spec §6.4). They are signed verbatim, so what we emit must be a string
// the reference parses, and what we accept must be what the reference accepts — `Date.parse`
// is neither (it rejects 6-digit fractions in some engines and accepts naive times as local).

/**
 * The reference's own format, `datetime.now(timezone.utc).isoformat()`:
 * `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, fraction omitted when it is zero (mesh spec §2, §6.4).
 * `epochMs` may carry a fraction; it is rounded to the microsecond.
 */
export function formatMeshTimestamp(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  const d = new Date(seconds * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return `${date}T${time}${fraction ? `.${pad(fraction, 6)}` : ""}+00:00`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

// After the reference's `replace("Z", "+00:00")`, `datetime.fromisoformat` (Python 3.11) is
// applied. Accepted here: extended date, any single separator character, HH:MM[:SS[.f…]]
// (fraction 1+ digits, '.' or ',', truncated to microseconds), and an offset ±HH:MM[:SS[.ffffff]]
// or ±HHMM. Python's rarer forms (week dates, basic-format dates, hour-only times) are refused.
// A missing offset makes the time naive, which the reference cannot compare: treated as stale.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2}).(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([+-])(\d{2}):?(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/su;

/** Why a timestamp string is not usable: the reference treats both as stale (mesh spec §6.4). */
export type TimestampFault = "unparseable" | "naive";

/** Epoch microseconds of a mesh timestamp, or why it has none. */
export function parseMeshTimestampMicros(text: string): number | TimestampFault {
  const m = ISO.exec(text.replaceAll("Z", "+00:00"));
  if (!m) return "unparseable";
  const [, y, mo, d, h, mi, s = "0", frac = "", sign, oh, om, os = "0", ofrac = ""] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d);
  const hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return "unparseable";
  if (hour > 23 || minute > 59 || second > 59) return "unparseable";
  if (sign === undefined) return "naive";
  const offsetMicros = (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * 1_000_000 + Number(ofrac.padEnd(6, "0"));
  // Python: a UTC offset must be strictly between -24h and +24h, minutes < 60, seconds < 60.
  if (Number(om) > 59 || Number(os) > 59 || offsetMicros >= 86_400_000_000) return "unparseable";
  const base = new Date(0);
  base.setUTCFullYear(year, month - 1, day); // Date.UTC would map years 0–99 to 1900–1999
  base.setUTCHours(hour, minute, second, 0);
  const micros = base.getTime() * 1000 + Number(frac.slice(0, 6).padEnd(6, "0"));
  return sign === "+" ? micros - offsetMicros : micros + offsetMicros;
}

/** Epoch milliseconds (with a microsecond fraction) of a mesh timestamp; undefined when unparseable or naive. */
export function parseMeshTimestamp(text: string): number | undefined {
  const micros = parseMeshTimestampMicros(text);
  return typeof micros === "number" ? micros / 1000 : undefined;
}

/** True when the string carries an explicit UTC offset (`Z` or ±HH:MM) and parses (mesh spec §6.4: emitted timestamps MUST). */
export function hasUtcOffset(text: string): boolean {
  return typeof parseMeshTimestampMicros(text) === "number";
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
