/**
 * Per-marketplace decision policies, as data. Add a marketplace's own policy as a JSON file
 * beside this one and list it here; it is validated (parsePolicy) when a function starts,
 * so a typo fails the deployment's first invocation loudly instead of deciding cases wrongly.
 * Marketplaces without an entry use the default policy (functions/lib/decision/policy.ts).
 */
export const marketplacePolicies: readonly unknown[] = [];
