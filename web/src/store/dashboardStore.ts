// The dashboard's shared state (seed 000 `store/darkMatterStore.ts`): the operator token (kept
// for this browser session only), the live channel's state, and one version counter per topic
// (the live channel's topics, src/core/live-notification.ts) that the live channel bumps so the
// views showing that topic fetch again.
import { useSyncExternalStore } from "react";
import { LIVE_TOPICS, type LiveTopic } from "../../../src/core/live-notification";

export type LiveState = "connecting" | "live" | "polling";

export interface DashboardState {
  token: string;
  live: LiveState;
  versions: Record<LiveTopic, number>;
  apiUrl: string;
}

const TOKEN_KEY = "dm-operator-token";

function readToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return ""; // storage disabled: the token lives in memory for this page only
  }
}

let state: DashboardState = {
  token: readToken(),
  live: "connecting",
  versions: Object.fromEntries(LIVE_TOPICS.map((topic) => [topic, 0])) as Record<LiveTopic, number>,
  apiUrl: "",
};
const listeners = new Set<() => void>();

function set(next: Partial<DashboardState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

export const dashboardStore = {
  get: () => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  setToken(token: string): void {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // storage disabled: keep it in memory
    }
    set({ token });
  },
  setLive(live: LiveState): void {
    if (live !== state.live) set({ live });
  },
  setApiUrl(apiUrl: string): void {
    set({ apiUrl });
  },
  /** Something under these topics changed: views showing them fetch again. */
  bump(...topics: LiveTopic[]): void {
    const versions = { ...state.versions };
    for (const topic of topics) versions[topic] += 1;
    set({ versions });
  },
};

export function useDashboardStore<T>(select: (state: DashboardState) => T): T {
  return useSyncExternalStore(dashboardStore.subscribe, () => select(state));
}

export const useIsOperator = () => useDashboardStore((s) => s.token !== "");
