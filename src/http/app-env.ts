/** `isOperator`: the operator token was sent. `agent`: the token of that hosted agent was sent, on its own API (src/http/auth.ts). */
export type AppEnv = { Bindings: Env; Variables: { isOperator: boolean; agent?: string } };
