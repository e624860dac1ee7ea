/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the DarkMatter API when the dashboard is served elsewhere (Pages), e.g. https://dm.example.workers.dev. */
  readonly VITE_DM_API_URL?: string;
}
