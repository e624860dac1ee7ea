// The router's form: mode, the rules in order (added, removed, moved, each with its match, action
// and what the action needs) and the handler, with each field's errors beside it.
import type { Connection, RouterMode, RuleAction } from "../api/types";
import { ACTIONS, MODES, newRule, type HandlerDraft, type RouterDraft, type RuleDraft } from "./routerDraft";

interface Props {
  draft: RouterDraft;
  /** `shifted`: rules were added, removed or moved, so errors by rule index no longer point where they did. */
  onChange: (draft: RouterDraft, shifted?: boolean) => void;
  errors: Map<string, string[]>;
  connections: Connection[];
}

/** The errors the server (or the editor) reported at one JSON Pointer. */
export function FieldErrors({ at, errors }: { at: string; errors: Map<string, string[]> }) {
  const messages = errors.get(at);
  if (!messages) return null;
  return (
    <ul className="field-errors" data-testid="field-error" data-pointer={at}>
      {messages.map((message, i) => (
        <li key={i}>{message}</li>
      ))}
    </ul>
  );
}

export function RouterEditor({ draft, onChange, errors, connections }: Props) {
  const setRule = (index: number, change: Partial<RuleDraft>) =>
    onChange({ ...draft, rules: draft.rules.map((rule, i) => (i === index ? { ...rule, ...change } : rule)) });
  const setRules = (rules: RuleDraft[]) => onChange({ ...draft, rules }, true);
  const move = (index: number, by: -1 | 1) => {
    const rules = [...draft.rules];
    [rules[index], rules[index + by]] = [rules[index + by]!, rules[index]!];
    setRules(rules);
  };
  const setHandler = (change: Partial<HandlerDraft>) =>
    onChange({ ...draft, handler: { ...draft.handler, ...change } });
  return (
    <div className="router-editor" data-testid="router-editor">
      <FieldErrors at="" errors={errors} />
      <label className="row">
        mode
        <select
          aria-label="router mode"
          value={draft.mode}
          onChange={(e) => onChange({ ...draft, mode: e.target.value as RouterMode })}
        >
          {Object.entries(MODES).map(([mode, help]) => (
            <option key={mode} value={mode}>
              {mode} — {help}
            </option>
          ))}
        </select>
      </label>
      <FieldErrors at="/mode" errors={errors} />

      <h4>Rules, in order: the first that matches and decides wins</h4>
      <FieldErrors at="/rules" errors={errors} />
      <ol className="router-rules" start={0}>
        {draft.rules.map((rule, index) => (
          <li key={rule.key} className="router-rule" data-testid="rule-editor">
            <RuleFields
              rule={rule}
              index={index}
              errors={errors}
              connections={connections}
              onChange={(change) => setRule(index, change)}
            />
            <div className="row">
              <button aria-label={`move rule ${index} up`} disabled={index === 0} onClick={() => move(index, -1)}>
                ↑
              </button>
              <button
                aria-label={`move rule ${index} down`}
                disabled={index === draft.rules.length - 1}
                onClick={() => move(index, 1)}
              >
                ↓
              </button>
              <button className="danger" onClick={() => setRules(draft.rules.filter((_, i) => i !== index))}>
                remove rule {index}
              </button>
            </div>
          </li>
        ))}
      </ol>
      <button onClick={() => setRules([...draft.rules, newRule()])}>add rule</button>

      <h4>Handler</h4>
      <label className="row">
        <input
          type="checkbox"
          checked={draft.hasHandler}
          onChange={(e) => onChange({ ...draft, hasHandler: e.target.checked })}
        />
        call a handler (HANDLE rules, rules_first, spawn)
      </label>
      <FieldErrors at="/handler" errors={errors} />
      {draft.hasHandler && (
        <div className="router-handler">
          <label>
            url
            <input
              aria-label="handler url"
              className="wide"
              placeholder="https://…"
              value={draft.handler.url}
              onChange={(e) => setHandler({ url: e.target.value })}
            />
          </label>
          <FieldErrors at="/handler/url" errors={errors} />
          {(["maxConcurrent", "maxPerHour", "timeoutSeconds"] as const).map((field) => (
            <div key={field}>
              <label>
                {field}
                <input
                  aria-label={`handler ${field}`}
                  inputMode="numeric"
                  placeholder="default"
                  size={8}
                  value={draft.handler[field]}
                  onChange={(e) => setHandler({ [field]: e.target.value })}
                />
              </label>
              <FieldErrors at={`/handler/${field}`} errors={errors} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function RuleFields({
  rule,
  index,
  errors,
  connections,
  onChange,
}: {
  rule: RuleDraft;
  index: number;
  errors: Map<string, string[]>;
  connections: Connection[];
  onChange: (change: Partial<RuleDraft>) => void;
}) {
  const at = `/rules/${index}`;
  const name = `rule ${index}`;
  const addTarget = (agentId: string) =>
    onChange({ targets: [...rule.targets.split("\n").filter((line) => line.trim()), agentId].join("\n") });
  return (
    <div className="rule-fields">
      <FieldErrors at={at} errors={errors} />
      <div className="rule-grid">
        <span className="muted">match</span>
        <div>
          <label>
            keywords (any, one a line)
            <textarea
              aria-label={`${name} keywords`}
              rows={2}
              value={rule.keywords}
              onChange={(e) => onChange({ keywords: e.target.value })}
            />
          </label>
          <FieldErrors at={`${at}/match/keywords`} errors={errors} />
          <label>
            from agent id
            <input
              aria-label={`${name} from agent id`}
              className="wide"
              placeholder="any sender"
              value={rule.fromAgentId}
              onChange={(e) => onChange({ fromAgentId: e.target.value })}
            />
          </label>
          <FieldErrors at={`${at}/match/from_agent_id`} errors={errors} />
          <label>
            metadata (a JSON object: each key with exactly this value)
            <input
              aria-label={`${name} metadata`}
              className="wide"
              placeholder='{"priority": "high"}'
              value={rule.metadata}
              onChange={(e) => onChange({ metadata: e.target.value })}
            />
          </label>
          <FieldErrors at={`${at}/match/metadata`} errors={errors} />
          <FieldErrors at={`${at}/match`} errors={errors} />
        </div>
        <span className="muted">action</span>
        <div>
          <select
            aria-label={`${name} action`}
            value={rule.action}
            onChange={(e) => onChange({ action: e.target.value as RuleAction })}
          >
            {Object.entries(ACTIONS).map(([action, help]) => (
              <option key={action} value={action}>
                {action} — {help}
              </option>
            ))}
          </select>
          <FieldErrors at={`${at}/action`} errors={errors} />
          {rule.action === "FORWARD" && (
            <>
              <label>
                targets (agent ids, one a line)
                <textarea
                  aria-label={`${name} targets`}
                  rows={2}
                  value={rule.targets}
                  onChange={(e) => onChange({ targets: e.target.value })}
                />
              </label>
              {connections.length > 0 && (
                <div className="row muted">
                  add a connection:
                  {connections.map((c) => (
                    <button key={c.agent_id} className="link" onClick={() => addTarget(c.agent_id)}>
                      {c.agent_display_name ?? c.agent_id.slice(0, 12)}
                    </button>
                  ))}
                </div>
              )}
            </>
          )}
          <FieldErrors at={`${at}/targets`} errors={errors} />
          {rule.action === "RESPOND" && (
            <label>
              response ({"{{content}}"}, {"{{from_agent_id}}"}, {"{{message_id}}"}, {"{{metadata.<key>}}"} quote the
              message)
              <textarea
                aria-label={`${name} response`}
                rows={2}
                value={rule.response}
                onChange={(e) => onChange({ response: e.target.value })}
              />
            </label>
          )}
          <FieldErrors at={`${at}/response`} errors={errors} />
          <label>
            note {rule.action === "FORWARD" && "(sent as the forward note)"}
            <input
              aria-label={`${name} note`}
              className="wide"
              value={rule.note}
              onChange={(e) => onChange({ note: e.target.value })}
            />
          </label>
          <FieldErrors at={`${at}/note`} errors={errors} />
        </div>
      </div>
    </div>
  );
}
