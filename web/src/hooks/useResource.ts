// The dashboard's data hooks (seed 000 `hooks/useDarkMatter.ts`): useResource (API data kept
// fresh), useAction (a user action's progress and problem) and useOlderPages (a live list paged
// back on demand). A resource is fetched when its key or the token changes, again whenever the live channel reports a change under one of its
// topics, and by polling as a fallback (every 3 s without a live channel, every 15 s with one),
// so no view ever needs a manual refresh. Identical answers keep their identity, so a poll that
// finds nothing new re-renders nothing (the multiverse graph does not re-lay itself out).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, asApiError } from "../api/problem";
import type { LiveTopic } from "../../../src/core/live-notification";
import { useDashboardStore } from "../store/dashboardStore";

export const POLL_MS = 3_000;
export const LIVE_POLL_MS = 15_000;

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

export function useResource<T>(
  key: string | null,
  load: () => Promise<T>,
  topics: readonly LiveTopic[],
  options: { poll?: boolean; keepPrevious?: boolean } = {},
): Resource<T> {
  const token = useDashboardStore((s) => s.token);
  const live = useDashboardStore((s) => s.live);
  const version = useDashboardStore((s) => topics.reduce((sum, topic) => sum + s.versions[topic], 0));
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(key !== null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const lastText = useRef<string | null>(null);
  const lastKey = useRef<string | null>(null);

  useEffect(() => {
    if (key === null) return;
    let cancelled = false;
    if (lastKey.current !== key) {
      lastKey.current = key;
      lastText.current = null;
      if (!options.keepPrevious) setData(undefined); // a new subject; keepPrevious: a newer version of the same one
      setLoading(true);
    }
    loadRef.current().then(
      (value) => {
        if (cancelled) return;
        const text = JSON.stringify(value);
        if (text !== lastText.current) {
          lastText.current = text;
          setData(value);
        }
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (cancelled) return;
        setError(asApiError(failure));
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [key, token, version, tick]);

  const poll = options.poll ?? true;
  useEffect(() => {
    if (key === null || !poll) return;
    const timer = setInterval(
      () => {
        if (document.visibilityState !== "hidden") setTick((n) => n + 1);
      },
      live === "live" ? LIVE_POLL_MS : POLL_MS,
    );
    return () => clearInterval(timer);
  }, [key, poll, live]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

export interface Action {
  run: <T>(work: () => Promise<T>, progress?: string) => Promise<T | undefined>;
  pending: string | null;
  error: ApiError | undefined;
  clear: () => void;
}

/** A user action: shows what is in progress, and the problem `detail` when it fails. */
export function useAction(): Action {
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = useCallback(async <T>(work: () => Promise<T>, progress = "working…"): Promise<T | undefined> => {
    setPending(progress);
    setError(undefined);
    try {
      return await work();
    } catch (failure) {
      setError(asApiError(failure));
      return undefined;
    } finally {
      setPending(null);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { run, pending, error, clear };
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface OlderPages<T> {
  /** The live first page followed by the older pages loaded so far, each item once. */
  items: T[];
  hasOlder: boolean;
  loadOlder: () => Promise<void>;
  action: Action;
}

/**
 * A list whose newest page stays live (`first`, from useResource) with older pages fetched on
 * demand through the API's keyset cursor. Older pages start from the first page as it was when
 * they were first asked for, so items that new arrivals push off the live page stay on screen.
 * A new `key` (other filters) starts over.
 */
export function useOlderPages<T extends { id: string }>(
  key: string,
  first: Page<T> | undefined,
  loadPage: (cursor: string) => Promise<Page<T>>,
): OlderPages<T> {
  const [older, setOlder] = useState<Page<T> | null>(null);
  useEffect(() => setOlder(null), [key]);
  const action = useAction();
  const loadOlder = async () => {
    const from = older ?? { items: first?.items ?? [], next: first?.next ?? null };
    if (!from.next) return;
    const page = await action.run(() => loadPage(from.next!), "loading older entries…");
    if (page) setOlder({ items: [...from.items, ...page.items], next: page.next });
  };
  const items = useMemo(() => {
    const seen = new Set<string>();
    return [...(first?.items ?? []), ...(older?.items ?? [])].filter((item) => {
      if (seen.has(item.id)) return false;
      seen.add(item.id);
      return true;
    });
  }, [first, older]);
  return { items, hasOlder: older ? older.next !== null : Boolean(first?.next), loadOlder, action };
}
