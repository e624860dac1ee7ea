// Seed 003's operator surfaces under one mount point: HALO (/halo), the squad builder (/squads,
// /tasks), spores and grafts (/spores, /grafts).
import { apiRouter } from "../http/openapi.js";
import { haloRoutes } from "./halo.js";
import { squadRoutes } from "./squads.js";
import { sporeRoutes } from "./spores.js";

export const dreamNetRoutes = apiRouter();
dreamNetRoutes.route("/", haloRoutes);
dreamNetRoutes.route("/", squadRoutes);
dreamNetRoutes.route("/", sporeRoutes);
