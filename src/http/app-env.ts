export type AppEnv = { Bindings: Env; Variables: { isOperator: boolean } };
