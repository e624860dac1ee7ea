import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dashboard is a static build served by the Worker's assets binding (wrangler.toml [assets]).
// `npm run dev:web` serves it with hot reload and proxies the API to `wrangler dev`.
export default defineConfig({
  root: "web",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
  server: { proxy: { "/api": "http://localhost:8787", "/healthz": "http://localhost:8787" } },
});
