// The dashboard shell: navigation between the pages (kept in the URL hash, so a link or a reload
// lands on the same page and world line), the token bar and the live state.
import { useEffect, useState } from "react";
import { LiveBadge, TokenBar } from "./components/TokenBar";
import { useDashboardStore } from "./store/dashboardStore";
import { MultiversePage } from "./pages/MultiversePage";
import { LedgerPage } from "./pages/LedgerPage";
import { TasksPage } from "./pages/TasksPage";
import { MeshPage } from "./pages/MeshPage";
import { EventsPage } from "./pages/EventsPage";

const PAGES = [
  ["multiverse", "Multiverse"],
  ["ledger", "Ledger"],
  ["tasks", "Tasks"],
  ["mesh", "Mesh"],
  ["events", "Events"],
] as const;
type PageId = (typeof PAGES)[number][0];

function parseHash(): { page: PageId; item: string | null } {
  const [page, item] = window.location.hash.replace(/^#\/?/, "").split("/");
  const known = PAGES.find(([id]) => id === page)?.[0] ?? "multiverse";
  return { page: known, item: item ? decodeURIComponent(item) : null };
}

export function App() {
  const [route, setRoute] = useState(parseHash);
  const apiUrl = useDashboardStore((s) => s.apiUrl);
  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const go = (page: PageId, item: string | null = null) => {
    window.location.hash = `/${page}${item ? `/${encodeURIComponent(item)}` : ""}`;
  };
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">DarkMatter Edge</span>
        <nav>
          {PAGES.map(([id, label]) => (
            <a
              key={id}
              href={`#/${id}`}
              className={route.page === id ? "active" : ""}
              aria-current={route.page === id ? "page" : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
        <span className="spacer" />
        <LiveBadge />
        <TokenBar />
        <a className="muted" href={`${apiUrl}/api/docs`} target="_blank" rel="noreferrer">
          API
        </a>
      </header>
      <main>
        {route.page === "multiverse" && (
          <MultiversePage selected={route.item} onSelect={(id) => go("multiverse", id)} />
        )}
        {route.page === "ledger" && <LedgerPage />}
        {route.page === "tasks" && <TasksPage />}
        {route.page === "mesh" && <MeshPage />}
        {route.page === "events" && <EventsPage />}
      </main>
    </div>
  );
}
