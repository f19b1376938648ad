import type * as z from 'zod/mini';
import type { MarketplaceAdapter } from '../ports/marketplace-adapter.ts';

/**
 * Everything that is particular to one marketplace's webhook format, in one object: its
 * folder's index.ts exports it, and the registry (index.ts, `marketplaceDefinitions`) is the
 * one list every consumer reads: the intake's adapters and settings, the published API
 * document, the stages' webhook secrets and the local runtime.
 */

/** Environment settings: variable name → the schema its value is validated with at cold start. */
export type MarketplaceSettings = Readonly<Record<string, z.ZodMiniType>>;

/** One body format, as openapi.json publishes it. */
export type WebhookBody = {
  /** Component name in openapi.json, e.g. `ShopifyReturnsRequest`; never renamed once published. */
  readonly name: string;
  readonly description: string;
  /** The zod schema the adapter validates this body with. */
  readonly schema: z.ZodMiniType;
};

export type MarketplaceDefinition<S extends MarketplaceSettings = MarketplaceSettings> = {
  /** The `{marketplace}` path segment of `POST /webhooks/{marketplace}`, and its secret's name. */
  readonly name: string;
  /** Merged with every other marketplace's settings into the intake's cold-start configuration. */
  readonly settings: S;
  /** The adapter for this format, from the validated settings (all marketplaces' settings). */
  adapter(config: z.output<z.ZodMiniObject<S>>): MarketplaceAdapter;
  /** The bodies this marketplace sends, published in openapi.json (after the canonical payload). */
  readonly webhookBodies: readonly WebhookBody[];
  /** Parts that more than one of its bodies use: one openapi.json component each, referenced. */
  readonly webhookBodyParts?: readonly Omit<WebhookBody, 'description'>[];
  /** Development only (local runtime, tests, `npm run sign`): the secret its webhooks are signed with. */
  readonly devWebhookSecret: string;
  /** Development only: values of its settings for the local runtime (`npm start`). */
  readonly devSettings?: { readonly [K in keyof S]?: string };
};

/** A definition, typed by its settings (so `adapter` reads them by name). */
export function defineMarketplace<const S extends MarketplaceSettings>(definition: MarketplaceDefinition<S>): MarketplaceDefinition<S> {
  return definition;
}
