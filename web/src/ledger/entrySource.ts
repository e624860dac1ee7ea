// Where the audit log viewer's rows come from. Unfiltered, row r is entry base + r and is fetched
// in pages of 100 around what is on screen, so a million-entry log costs only the pages looked
// at (kept in a bounded cache). Filtered by kind or world line, entries are read in index order a
// page at a time as the list is scrolled towards its end.
import { api, ok } from "../api/client";
import type { LedgerEntry, LedgerKind } from "../api/types";

const PAGE = 100;
const MAX_PAGES = 400;
const MAX_IN_FLIGHT = 4;

export interface EntrySource {
  readonly count: number;
  get(row: number): LedgerEntry | undefined;
  ensure(first: number, last: number): void;
  refresh(size: number): void;
  onChange: () => void;
}

export class IndexedSource implements EntrySource {
  private pages = new Map<number, LedgerEntry[]>();
  private inFlight = new Set<number>();
  onChange = () => {};

  constructor(
    private size: number,
    readonly base = 0,
    private readonly window = Number.POSITIVE_INFINITY,
  ) {}

  get count(): number {
    return Math.max(0, Math.min(this.size - this.base, this.window));
  }

  get(row: number): LedgerEntry | undefined {
    const index = this.base + row;
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  ensure(first: number, last: number): void {
    const firstPage = Math.floor((this.base + first) / PAGE);
    const lastPage = Math.floor((this.base + Math.min(last, this.count - 1)) / PAGE);
    for (let page = firstPage; page <= lastPage; page++) {
      const have = this.pages.get(page);
      const complete = have && (have.length === PAGE || page * PAGE + have.length >= this.size);
      if (complete || this.inFlight.has(page) || this.inFlight.size >= MAX_IN_FLIGHT) continue;
      this.inFlight.add(page);
      ok(api().GET("/api/v1/ledger/entries", { params: { query: { from: page * PAGE, limit: PAGE } } }))
        .then((result) => {
          this.pages.delete(page); // re-insert: the map's order is the eviction order
          this.pages.set(page, result.items);
          while (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
          this.onChange();
        })
        .catch(() => {}) // a failed page is fetched again when it is next on screen
        .finally(() => this.inFlight.delete(page));
    }
  }

  refresh(size: number): void {
    if (size === this.size) return;
    this.size = size;
    this.onChange();
  }
}

export class FilteredSource implements EntrySource {
  private items: LedgerEntry[] = [];
  private next: number | null = 0;
  private loading = false;
  error: unknown = null;
  onChange = () => {};

  constructor(private readonly filter: { kind?: LedgerKind; worldline?: string }) {}

  get count(): number {
    return this.items.length + (this.next !== null ? 1 : 0);
  }

  get(row: number): LedgerEntry | undefined {
    return this.items[row];
  }

  ensure(_first: number, last: number): void {
    if (this.next !== null && last >= this.items.length - 20) void this.load(this.next);
  }

  /** The log grew: read what was appended after the last entry we have, if we reached the end. */
  refresh(): void {
    if (this.next === null) void this.load(this.items.length ? this.items[this.items.length - 1]!.index + 1 : 0);
  }

  private async load(from: number): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const result = await ok(
        api().GET("/api/v1/ledger/entries", { params: { query: { from, limit: PAGE, ...this.filter } } }),
      );
      this.items = [
        ...this.items,
        ...result.items.filter((entry) => !this.items.length || entry.index > this.items[this.items.length - 1]!.index),
      ];
      this.next = result.next;
      this.error = null;
    } catch (error) {
      this.error = error;
      this.next = null;
    } finally {
      this.loading = false;
      this.onChange();
    }
  }
}
