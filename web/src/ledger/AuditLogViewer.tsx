// Every ledger entry (seed 000 `AuditLogViewer.tsx`), virtualised with @tanstack/react-virtual:
// only the rows on screen exist in the DOM, and only their pages are fetched, so a log of a
// million entries scrolls smoothly. Filter by kind and world line; each row shown is verified in
// this browser (VerifyBadge); a click shows the entry and every check.
import { memo, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { LedgerEntry, LedgerKind } from "../api/types";
import { WORLD_LINE_ID_PATTERN } from "../../../src/core/ids";
import { LEDGER_KINDS } from "../../../src/core/ledger-entry";
import { JsonView, short } from "../components/JsonView";
import { FilteredSource, IndexedSource, type EntrySource } from "./entrySource";
import type { AuthorityHistory, TrustedCheckpoint } from "./entryVerification";
import { useEntryVerification, VerificationDetail, VerifyBadge } from "./VerifyBadge";

const ROW_HEIGHT = 28;
// Browsers cap an element's height near 2^25 px; a longer log is shown a million rows at a time.
const MAX_ROWS = 1_000_000;

export function AuditLogViewer({
  size,
  checkpoint,
  authorities,
}: {
  size: number;
  checkpoint?: TrustedCheckpoint;
  authorities?: AuthorityHistory;
}) {
  const [kind, setKind] = useState<LedgerKind | "">("");
  const [worldline, setWorldline] = useState("");
  const [base, setBase] = useState(0);
  const [jump, setJump] = useState("");
  const [selected, setSelected] = useState<LedgerEntry | null>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const filtered = kind !== "" || WORLD_LINE_ID_PATTERN.test(worldline.trim());
  const sizeRef = useRef(size);
  sizeRef.current = size;
  const source: EntrySource = useMemo(
    () =>
      filtered
        ? new FilteredSource({ ...(kind && { kind }), ...(worldline.trim() && { worldline: worldline.trim() }) })
        : new IndexedSource(sizeRef.current, base, MAX_ROWS),
    [filtered, kind, worldline, base],
  );
  useEffect(() => {
    source.onChange = rerender;
    return () => {
      source.onChange = () => {};
    };
  }, [source]);
  useEffect(() => source.refresh(size), [source, size]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: source.count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows[rows.length - 1]?.index ?? 0;
  useEffect(() => source.ensure(first, last), [source, first, last, source.count]);

  const jumpTo = (event: React.FormEvent) => {
    event.preventDefault();
    const target = Number(jump);
    if (!Number.isInteger(target) || target < 0 || filtered) return;
    const nextBase = size > MAX_ROWS ? Math.max(0, Math.min(size - MAX_ROWS, target - MAX_ROWS / 2)) : 0;
    setBase(nextBase);
    requestAnimationFrame(() => virtualizer.scrollToIndex(target - nextBase, { align: "center" }));
  };

  return (
    <section className="audit-log" data-testid="audit-log">
      <div className="row">
        <select aria-label="filter by kind" value={kind} onChange={(e) => setKind(e.target.value as LedgerKind | "")}>
          <option value="">all kinds</option>
          {LEDGER_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <input
          aria-label="filter by world line"
          placeholder="world line id (wl_…)"
          value={worldline}
          onChange={(e) => setWorldline(e.target.value)}
        />
        {!filtered && (
          <form onSubmit={jumpTo} className="row">
            <input
              aria-label="jump to index"
              placeholder="jump to index"
              value={jump}
              onChange={(e) => setJump(e.target.value)}
              inputMode="numeric"
            />
            <button type="submit">go</button>
          </form>
        )}
        <span className="muted">
          {filtered
            ? `${source.count - (source.get(source.count - 1) ? 0 : 1)} matching entries loaded`
            : `${size.toLocaleString()} entries${size > MAX_ROWS ? `, showing ${base.toLocaleString()}–${(base + MAX_ROWS - 1).toLocaleString()}` : ""}`}
        </span>
      </div>
      <div className="audit-body">
        <div className="audit-list">
          <div className="audit-header row-grid">
            <span>index</span>
            <span>kind</span>
            <span>time</span>
            <span>about</span>
            <span>hash</span>
            <span>verified</span>
          </div>
          <div ref={scroller} className="audit-scroller" data-testid="audit-scroller">
            <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
              {rows.map((row) => (
                <EntryRow
                  key={row.key}
                  entry={source.get(row.index)}
                  top={row.start}
                  checkpoint={checkpoint}
                  authorities={authorities}
                  isSelected={selected?.index === source.get(row.index)?.index}
                  onSelect={setSelected}
                  placeholder={filtered ? "loading more…" : `#${INDEX.format(base + row.index)} loading…`}
                />
              ))}
            </div>
          </div>
        </div>
        {selected && (
          <EntryDetail
            entry={selected}
            checkpoint={checkpoint}
            authorities={authorities}
            onClose={() => setSelected(null)}
          />
        )}
      </div>
    </section>
  );
}

function about(entry: LedgerEntry): string {
  const data = (entry.data ?? {}) as Record<string, unknown>;
  const what = data.what as { worldline?: string; commit?: string } | undefined;
  if (what?.worldline) return `${what.worldline} → ${short(what.commit ?? "")}`;
  if (typeof data.subject === "string") return `anchor ${data.subject}`;
  if (typeof data.authority === "string")
    return `approval by ${short(data.authority, 12)} of ${String(data.proposal ?? "")}`;
  if (entry.kind === "proposal")
    return `${String((data.payload as { kind?: string })?.kind ?? "")} ${String((data.payload as { worldline?: string })?.worldline ?? "")}`;
  if (entry.kind === "genesis") return `${String(data.origin ?? "")}, quorum ${String(data.quorum ?? "")}`;
  return "";
}

// One formatter each, made once: toLocaleString / toLocaleTimeString build a new one per call,
// which on a scroll of thirty-odd fresh rows per frame is most of the frame.
const INDEX = new Intl.NumberFormat();
const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

/** Memoised: scrolling re-renders the list on every scroll event, but only rows new to the screen need rendering. */
const EntryRow = memo(function EntryRow({
  entry,
  top,
  checkpoint,
  authorities,
  isSelected,
  onSelect,
  placeholder,
}: {
  entry?: LedgerEntry;
  top: number;
  checkpoint?: TrustedCheckpoint;
  authorities?: AuthorityHistory;
  isSelected: boolean;
  onSelect: (entry: LedgerEntry) => void;
  placeholder: string;
}) {
  const result = useEntryVerification(entry, checkpoint, authorities);
  const style = { position: "absolute" as const, top, left: 0, right: 0, height: ROW_HEIGHT };
  if (!entry)
    return (
      <div className="entry-row row-grid muted" style={style}>
        {placeholder}
      </div>
    );
  return (
    <div
      className={`entry-row row-grid kind-${entry.kind}${isSelected ? " selected" : ""}`}
      style={style}
      data-testid="entry-row"
      data-index={entry.index}
      data-kind={entry.kind}
      onClick={() => onSelect(entry)}
    >
      <span>{INDEX.format(entry.index)}</span>
      <span className="kind">{entry.kind}</span>
      <span>{TIME.format(entry.timestamp)}</span>
      <span className="about">{about(entry)}</span>
      <code>{short(entry.hash, 12)}</code>
      <VerifyBadge result={result} />
    </div>
  );
});

function EntryDetail({
  entry,
  checkpoint,
  authorities,
  onClose,
}: {
  entry: LedgerEntry;
  checkpoint?: TrustedCheckpoint;
  authorities?: AuthorityHistory;
  onClose: () => void;
}) {
  const result = useEntryVerification(entry, checkpoint, authorities);
  return (
    <div className="entry-detail" data-testid="entry-detail">
      <button className="close" onClick={onClose} aria-label="close entry">
        ×
      </button>
      <h3>
        Entry {entry.index} · {entry.kind}
      </h3>
      <VerificationDetail result={result} />
      <JsonView value={entry} max={20_000} />
    </div>
  );
}
