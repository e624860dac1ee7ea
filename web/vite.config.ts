import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dashboard is a static build served by the Worker's assets binding (wrangler.toml [assets]),
// or deployed on its own (Pages) with VITE_DM_API_URL / a runtime config.json naming the API.
// `npm run dev:web` serves it with hot reload and proxies the API (and the live WebSocket) to
// `wrangler dev` on $DM_DEV_API (default http://localhost:8787).
const api = process.env.DM_DEV_API ?? "http://localhost:8787";

export default defineConfig({
  root: "web",
  base: "./",
  plugins: [react()],
  // ~600 kB before gzip: React, @xyflow/react and the noble hashes/curves the browser-side verification needs.
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { "/api": { target: api, ws: true, changeOrigin: true }, "/healthz": api } },
});
