// The dashboard's shared state (seed 000 `store/darkMatterStore.ts`): the operator token (kept
// for this browser session only), the live channel's state, and one version counter per topic
// that the live channel bumps so the views showing that topic fetch again.
import { useSyncExternalStore } from "react";

export const TOPICS = ["worldlines", "ledger", "promotions", "events", "agents", "tasks", "arbiter"] as const;
export type Topic = (typeof TOPICS)[number];
export type LiveState = "connecting" | "live" | "polling";

export interface DashboardState {
  token: string;
  live: LiveState;
  versions: Record<Topic, number>;
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
  versions: Object.fromEntries(TOPICS.map((topic) => [topic, 0])) as Record<Topic, number>,
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
  bump(...topics: Topic[]): void {
    const versions = { ...state.versions };
    for (const topic of topics) versions[topic] += 1;
    set({ versions });
  },
};

export function useDashboardStore<T>(select: (state: DashboardState) => T): T {
  return useSyncExternalStore(dashboardStore.subscribe, () => select(state));
}

export const useIsOperator = () => useDashboardStore((s) => s.token !== "");
