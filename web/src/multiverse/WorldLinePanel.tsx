// The panel of the selected world line: its facts, then entities, history, diff, arbiter,
// promotion and actions in tabs.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { MultiverseNode } from "../api/types";
import { useResource } from "../hooks/useResource";
import { useIsOperator } from "../store/dashboardStore";
import { short, when } from "../components/JsonView";
import { ProblemMessage } from "../components/ProblemMessage";
import { Tabs } from "../components/Tabs";
import { PromotionView } from "../promotion/PromotionView";
import { ArbiterView } from "./ArbiterView";
import { CommitHistory } from "./CommitHistory";
import { DiffView } from "./DiffView";
import { EntitiesView } from "./EntitiesView";
import { WorldLineActions } from "./WorldLineActions";
import { worldLineState } from "./WorldLineNode";

type Tab = "entities" | "history" | "diff" | "arbiter" | "promotion" | "actions";

export function WorldLinePanel({
  id,
  nodes,
  onSelect,
  onClose,
}: {
  id: string;
  nodes: MultiverseNode[];
  onSelect: (id: string) => void;
  onClose: () => void;
}) {
  const worldLine = useResource(
    `worldline:${id}`,
    () => ok(api().GET("/api/v1/worldlines/{id}", { params: { path: { id } } })),
    ["worldlines"],
  );
  const isOperator = useIsOperator();
  const [tab, setTab] = useState<Tab>("entities");
  const [diff, setDiff] = useState<{ from: string; to: string } | null>(null);
  const w = worldLine.data;
  const tabs: Array<readonly [Tab, string]> = [
    ["entities", "Entities"],
    ["history", "History"],
    ["diff", "Diff"],
    ["arbiter", "Arbiter"],
    ["promotion", "Promotion"],
    ...(isOperator ? [["actions", "Actions"] as const] : []),
  ];
  return (
    <aside className="panel" data-testid="worldline-panel" aria-label="world line">
      <header>
        <button className="close" onClick={onClose} aria-label="close panel">
          ×
        </button>
        <h2>{w?.name ?? "…"}</h2>
        {w && (
          <dl className="facts">
            <dt>id</dt>
            <dd>
              <code>{w.id}</code>
            </dd>
            <dt>state</dt>
            <dd>
              <span className={`badge wl-${worldLineState(w)}`} data-testid="panel-state">
                {worldLineState(w)}
              </span>{" "}
              {w.status} · {w.privacy}
            </dd>
            <dt>head</dt>
            <dd>
              <code title={w.head}>{short(w.head)}</code>
              {w.green && (
                <>
                  {" "}
                  · green <code title={w.green}>{short(w.green)}</code>
                </>
              )}
            </dd>
            {w.parents.length > 0 && (
              <>
                <dt>forked from</dt>
                <dd>
                  {w.parents.map((p) => (
                    <button key={p} className="link" onClick={() => onSelect(p)}>
                      {nodes.find((n) => n.id === p)?.name ?? p}
                    </button>
                  ))}
                </dd>
              </>
            )}
            <dt>created</dt>
            <dd>{when(w.createdAt)}</dd>
          </dl>
        )}
      </header>
      <ProblemMessage error={worldLine.error} context="world line" />
      {!isOperator && (
        <p className="muted">Read-only: enter the operator token to patch, fork, merge, promote or terminate.</p>
      )}
      <Tabs tabs={tabs} current={tab} onSelect={setTab} />
      <div className="tab-body">
        {tab === "entities" && <EntitiesView id={id} />}
        {tab === "history" && (
          <CommitHistory
            id={id}
            green={w?.green ?? null}
            onDiff={(from, to) => {
              setDiff({ from, to });
              setTab("diff");
            }}
          />
        )}
        {tab === "diff" && <DiffView key={diff ? `${diff.from}:${diff.to}` : "none"} id={id} initial={diff} />}
        {tab === "arbiter" && <ArbiterView id={id} />}
        {tab === "promotion" && w && <PromotionView worldLine={w} />}
        {tab === "actions" && w && <WorldLineActions worldLine={w} others={nodes} onSelect={onSelect} />}
      </div>
    </aside>
  );
}
