import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { configureApi } from "./api/client";
import { loadConfig } from "./config";
import { startLiveChannel } from "./live/liveChannel";
import "./styles.css";

void loadConfig().then((config) => {
  configureApi(config.apiUrl);
  startLiveChannel();
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
