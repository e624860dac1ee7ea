// What an operator can do to a world line: patch its state, fork it, merge another into it (a
// refused merge shows its conflicts), terminate it, release it from quarantine.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { Conflict, MergeStrategy, MultiverseNode, WorldLine } from "../api/types";
import { useAction } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { Pending, ProblemMessage } from "../components/ProblemMessage";
import { MergeConflicts } from "./MergeConflicts";

const PATCH_TYPES = { merge: "application/merge-patch+json", json: "application/json-patch+json" } as const;

export function WorldLineActions({
  worldLine,
  others,
  onSelect,
}: {
  worldLine: WorldLine;
  others: MultiverseNode[];
  onSelect: (id: string) => void;
}) {
  const id = worldLine.id;
  const isWritable = worldLine.status === "active";
  return (
    <section className="actions" data-testid="actions">
      {isWritable && <PatchForm id={id} />}
      {worldLine.status !== "terminated" && <ForkForm id={id} name={worldLine.name} onForked={onSelect} />}
      {isWritable && (
        <MergeForm worldLine={worldLine} others={others.filter((o) => o.id !== id && o.status !== "terminated")} />
      )}
      <Lifecycle worldLine={worldLine} />
    </section>
  );
}

function PatchForm({ id }: { id: string }) {
  const [format, setFormat] = useState<keyof typeof PATCH_TYPES>("merge");
  const [text, setText] = useState('{"sun": {"mass": 2}}');
  const [message, setMessage] = useState("");
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const submit = async () => {
    let patch: unknown;
    try {
      patch = JSON.parse(text);
    } catch (error) {
      return action.run(() => Promise.reject(new Error(`the patch is not JSON: ${(error as Error).message}`)));
    }
    const result = await action.run(
      () =>
        ok(
          api().PATCH("/api/v1/worldlines/{id}/state", {
            params: { path: { id }, header: { ...(message && { "x-dm-message": message }) } },
            body: patch as never,
            headers: { "content-type": PATCH_TYPES[format] },
            bodySerializer: JSON.stringify,
          }),
        ),
      "committing…",
    );
    if (result) {
      setDone(`committed ${result.commit.slice(0, 10)} (${result.changed} entities changed)`);
      dashboardStore.bump("worldlines");
    }
  };
  return (
    <fieldset>
      <legend>Patch</legend>
      <div className="row">
        <label>
          <input type="radio" checked={format === "merge"} onChange={() => setFormat("merge")} /> merge patch (RFC 7396)
        </label>
        <label>
          <input type="radio" checked={format === "json"} onChange={() => setFormat("json")} /> JSON Patch (RFC 6902)
        </label>
      </div>
      <textarea aria-label="patch" rows={4} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="row">
        <input
          aria-label="commit message"
          placeholder="commit message"
          value={message}
          onChange={(e) => setMessage(e.target.value)}
        />
        <button onClick={submit} disabled={!!action.pending}>
          commit patch
        </button>
        <Pending label={action.pending} />
        {done && !action.error && <span className="ok">{done}</span>}
      </div>
      <ProblemMessage error={action.error} context="patch" />
    </fieldset>
  );
}

function ForkForm({ id, name, onForked }: { id: string; name: string; onForked: (id: string) => void }) {
  const [forkName, setForkName] = useState(`${name}-fork`);
  const action = useAction();
  const submit = async () => {
    const fork = await action.run(
      () => ok(api().POST("/api/v1/worldlines/{id}/fork", { params: { path: { id } }, body: { name: forkName } })),
      "forking…",
    );
    if (fork) {
      dashboardStore.bump("worldlines");
      onForked(fork.id);
    }
  };
  return (
    <fieldset>
      <legend>Fork</legend>
      <div className="row">
        <input aria-label="fork name" value={forkName} onChange={(e) => setForkName(e.target.value)} />
        <button onClick={submit} disabled={!!action.pending || !forkName.trim()}>
          fork
        </button>
        <Pending label={action.pending} />
      </div>
      <ProblemMessage error={action.error} context="fork" />
    </fieldset>
  );
}

function MergeForm({ worldLine, others }: { worldLine: WorldLine; others: MultiverseNode[] }) {
  const [source, setSource] = useState("");
  const [conflicts, setConflicts] = useState<Conflict[] | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const sourceName = others.find((o) => o.id === source)?.name ?? source;
  const merge = async (strategy: MergeStrategy) => {
    setDone(null);
    const result = await action.run(
      () =>
        ok(
          api().POST("/api/v1/worldlines/{id}/merge", {
            params: { path: { id: worldLine.id } },
            body: { source, strategy, squash: false },
          }),
        ),
      "merging…",
    );
    if (result) {
      setConflicts(null);
      setDone(
        result.merged
          ? `merged as ${result.commit.slice(0, 10)}: ${result.changed} changed${result.resolved.length ? `, ${result.resolved.length} conflicts settled (${strategy})` : ""}`
          : "nothing to merge",
      );
      dashboardStore.bump("worldlines");
    }
  };
  const refused = action.error?.status === 409 ? (action.error.problem.conflicts as Conflict[] | undefined) : undefined;
  const shown = refused ?? conflicts;
  return (
    <fieldset>
      <legend>Merge into {worldLine.name}</legend>
      <div className="row">
        <select
          aria-label="merge source"
          value={source}
          onChange={(e) => {
            setSource(e.target.value);
            setConflicts(null);
            action.clear();
          }}
        >
          <option value="">choose a world line…</option>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name} ({o.id.slice(0, 12)})
            </option>
          ))}
        </select>
        <button onClick={() => merge("three-way")} disabled={!source || !!action.pending}>
          merge
        </button>
        <Pending label={action.pending} />
        {done && <span className="ok">{done}</span>}
      </div>
      <ProblemMessage error={action.error} context="merge" />
      {shown && shown.length > 0 && (
        <>
          <MergeConflicts conflicts={shown} ours={worldLine.name} theirs={sourceName} />
          <div className="row">
            <button onClick={() => merge("ours")}>settle all with ours</button>
            <button onClick={() => merge("theirs")}>settle all with theirs</button>
          </div>
        </>
      )}
    </fieldset>
  );
}

function Lifecycle({ worldLine }: { worldLine: WorldLine }) {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const terminate = async () => {
    setConfirming(false);
    if (
      await action.run(
        () => ok(api().DELETE("/api/v1/worldlines/{id}", { params: { path: { id: worldLine.id } } })),
        "terminating…",
      )
    )
      dashboardStore.bump("worldlines");
  };
  const release = async () => {
    if (
      await action.run(
        () => ok(api().POST("/api/v1/worldlines/{id}/release", { params: { path: { id: worldLine.id } } })),
        "releasing…",
      )
    )
      dashboardStore.bump("worldlines", "arbiter");
  };
  return (
    <fieldset>
      <legend>Lifecycle</legend>
      <div className="row">
        {worldLine.status === "quarantined" && <button onClick={release}>release from quarantine</button>}
        {worldLine.status !== "terminated" && !confirming && (
          <button className="danger" onClick={() => setConfirming(true)}>
            terminate…
          </button>
        )}
        {confirming && (
          <>
            <span>Terminate {worldLine.name}? History stays readable; writes are refused.</span>
            <button className="danger" onClick={terminate}>
              yes, terminate
            </button>
            <button onClick={() => setConfirming(false)}>cancel</button>
          </>
        )}
        {worldLine.status === "terminated" && (
          <span className="muted">terminated: history stays readable, every write answers 410</span>
        )}
        <Pending label={action.pending} />
      </div>
      <ProblemMessage error={action.error} context={worldLine.status === "quarantined" ? "release" : "terminate"} />
    </fieldset>
  );
}
