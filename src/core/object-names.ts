// Names of the Durable Objects that exist once (reached with `env.X.getByName(name)`), here so the
// object and everyone who calls it share one spelling without importing the object's module.

/** The one Halo object: every HALO cycle runs in it (durable-objects/halo.ts). */
export const HALO_NAME = "halo";
