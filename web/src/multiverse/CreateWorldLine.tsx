// A new blue world line: a name, a privacy level and optional initial entities (JSON).
import { useState } from "react";
import { api, ok } from "../api/client";
import { useAction } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { Pending, ProblemMessage } from "../components/ProblemMessage";
import { PRIVACY_LEVELS } from "../../../src/core/privacy";
import type { Privacy } from "../../../src/schemas/worldline";

export function CreateWorldLine({ onCreated }: { onCreated: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [privacy, setPrivacy] = useState<Privacy>("private");
  const [entities, setEntities] = useState('{"sun": {"mass": 1}}');
  const action = useAction();
  if (!open)
    return (
      <button className="primary" onClick={() => setOpen(true)}>
        new world line
      </button>
    );
  const submit = async () => {
    const created = await action.run(async () => {
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = entities.trim() ? JSON.parse(entities) : undefined;
      } catch (error) {
        throw new Error(`entities are not JSON: ${(error as Error).message}`);
      }
      return ok(api().POST("/api/v1/worldlines", { body: { name, privacy, ...(parsed && { entities: parsed }) } }));
    }, "creating…");
    if (created) {
      dashboardStore.bump("worldlines");
      setOpen(false);
      setName("");
      onCreated(created.id);
    }
  };
  return (
    <form
      className="create-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input
        aria-label="world line name"
        placeholder="name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        autoFocus
      />
      <select aria-label="privacy" value={privacy} onChange={(e) => setPrivacy(e.target.value as typeof privacy)}>
        {PRIVACY_LEVELS.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
      <input
        aria-label="initial entities"
        className="wide"
        value={entities}
        onChange={(e) => setEntities(e.target.value)}
      />
      <button type="submit" className="primary" disabled={!name.trim() || !!action.pending}>
        create
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        cancel
      </button>
      <Pending label={action.pending} />
      <ProblemMessage error={action.error} context="create" />
    </form>
  );
}
