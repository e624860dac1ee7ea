import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { DarkMatterPage } from "./pages/DarkMatterPage";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <DarkMatterPage />
  </StrictMode>,
);
