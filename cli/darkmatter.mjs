#!/usr/bin/env node
// The `darkmatter` command. Its code is TypeScript sharing src/core with the Worker and the
// dashboard; tsx compiles it on the fly so there is no separate build step to forget.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
