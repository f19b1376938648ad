import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { buildOpenApiDocument } from '#lib/http/openapi.ts';
import { webhookBodyFormatsOf, webhookBodyPartsOf, webhookBodySchemas } from '#lib/http/webhook-body-schemas.ts';
import { canonicalAdapter } from '#lib/marketplaces/canonical.ts';
import { defineMarketplace, type MarketplaceDefinition } from '#lib/marketplaces/definition.ts';
import {
  MarketplaceConfigSchema,
  marketplaceDefinitions,
  marketplaceRegistry,
  marketplaceSettings,
  marketplaceSettingsOf,
} from '#lib/marketplaces/index.ts';
import type { MarketplaceAdapter } from '#lib/ports/marketplace-adapter.ts';
import { stageConfig, webhookMarketplacesOf } from '#infra/stage-config.ts';
import { DEV_MARKETPLACE_SETTINGS, DEV_WEBHOOK_SECRETS, devMarketplaceSettingsOf, devWebhookSecretsOf } from '#local/dev-secrets.ts';

/**
 * A marketplace format is one folder plus its entry in `marketplaceDefinitions`: everything
 * else that names marketplaces (the intake's settings and adapters, the published bodies, the
 * stages' webhook secrets, the development secrets and settings) reads that list.
 */

type Doc = {
  paths: Record<string, Record<string, { requestBody?: unknown }>>;
  components: { schemas: Record<string, { description?: string }> };
};

const committed = JSON.parse(readFileSync(fileURLToPath(new URL('../../openapi.json', import.meta.url)), 'utf8')) as Doc;
const prodSettings = {
  alarmEmail: 'oncall@example.com',
  refundRoutes: JSON.stringify({ default: 'stripe' }),
  shopifyShops: JSON.stringify({ 'acme.myshopify.com': 'seller-acme' }),
} as const;
/** Every registered marketplace's settings as the local runtime gives them, validated. */
const devConfig = z.parse(MarketplaceConfigSchema, DEV_MARKETPLACE_SETTINGS);

describe.each(marketplaceDefinitions.map((d) => [d.name, d] as const))('registered marketplace %s', (name, definition) => {
  it('publishes its bodies after the canonical payload, sent by it alone, in openapi.json as generated and as committed', () => {
    expect(webhookBodySchemas[0]?.name).toBe('CanonicalPayloadV1');
    expect(definition.webhookBodies.length).toBeGreaterThan(0);
    const generated = buildOpenApiDocument() as Doc;
    const requestBody = JSON.stringify(generated.paths['/webhooks/{marketplace}']?.post?.requestBody);
    for (const body of definition.webhookBodies) {
      const format = webhookBodySchemas.find((f) => f.name === body.name);
      expect(format?.schema, body.name).toBe(body.schema);
      expect(format?.marketplaces, body.name).toEqual([name]);
      for (const doc of [generated, committed]) {
        expect(doc.components.schemas[body.name]?.description, body.name).toBe(`${body.description} Sent by: ${name}.`);
      }
      expect(requestBody).toContain(`"#/components/schemas/${body.name}"`);
    }
    for (const part of definition.webhookBodyParts ?? []) {
      expect(generated.components.schemas, part.name).toHaveProperty(part.name);
      expect(committed.components.schemas, part.name).toHaveProperty(part.name);
    }
  });

  it('has its development secret in DEV_WEBHOOK_SECRETS and a webhook secret in every stage', () => {
    expect(DEV_WEBHOOK_SECRETS[name]).toBe(definition.devWebhookSecret);
    expect(definition.devWebhookSecret).toMatch(/^dev-only-/);
    expect(stageConfig('dev').marketplaces).toContain(name);
    expect(stageConfig('prod', prodSettings).marketplaces).toContain(name);
  });

  it('has its settings validated at cold start, and its local settings pass them', () => {
    for (const [key, schema] of Object.entries(definition.settings)) expect(marketplaceSettings).toHaveProperty(key, schema);
    for (const [key, value] of Object.entries(definition.devSettings ?? {})) {
      expect(DEV_MARKETPLACE_SETTINGS[key]).toBe(value);
      expect(devConfig).toHaveProperty(key);
    }
  });

  it('is answered by its own adapter', () => {
    const adapter = marketplaceRegistry(devConfig).adapterFor(name);
    expect(adapter).not.toBe(canonicalAdapter);
    expect(adapter.format).toBe(definition.adapter(devConfig).format);
  });
});

describe('the marketplace registry', () => {
  it('gives every other marketplace the canonical format', () => {
    const registry = marketplaceRegistry(devConfig);
    for (const name of ['demo-market', 'no-such-market', 'Shopify']) expect(registry.adapterFor(name)).toBe(canonicalAdapter);
  });

  it('names each marketplace once, none of them demo-market, and no setting or component twice', () => {
    const names = marketplaceDefinitions.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('demo-market');
    for (const name of names) expect(name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    const settings = marketplaceDefinitions.flatMap((d) => Object.keys(d.settings));
    expect(new Set(settings).size).toBe(settings.length);
    const components = [...webhookBodySchemas.map((f) => f.name), ...webhookBodyPartsOf(marketplaceDefinitions).map((p) => p.name)];
    expect(new Set(components).size).toBe(components.length);
  });

  it('lists demo-market and then each registered marketplace in both stages, in registry order', () => {
    const expected = ['demo-market', ...marketplaceDefinitions.map((d) => d.name)];
    expect(stageConfig('dev').marketplaces).toEqual(expected);
    expect(stageConfig('prod', prodSettings).marketplaces).toEqual(expected);
    expect(Object.keys(DEV_WEBHOOK_SECRETS)).toEqual(expected);
  });
});

describe('a made-up marketplace, registered and nothing else', () => {
  const acmeAdapter = (region: string): MarketplaceAdapter => ({
    format: `acme-${region}`,
    verify: () => ({ ok: true }),
    parse: () => {
      throw new Error('not used here');
    },
    translate: () => ({ kind: 'IGNORE', reason: 'NOT_USED_HERE' }),
  });
  const AcmeEventSchema = z.object({ acmeReturnId: z.string() });
  const acme = defineMarketplace({
    name: 'acme-market',
    settings: { ACME_REGION: z.optional(z.enum(['eu', 'us'])) },
    adapter: (config) => acmeAdapter(config.ACME_REGION ?? 'none'),
    webhookBodies: [{ name: 'AcmeReturnEvent', description: 'Acme return event.', schema: AcmeEventSchema }],
    webhookBodyParts: [{ name: 'AcmeReturnId', schema: z.string() }],
    devWebhookSecret: 'dev-only-acme-market-secret-change-me-0003',
    devSettings: { ACME_REGION: 'eu' },
  });
  const registered: readonly MarketplaceDefinition[] = [...marketplaceDefinitions, acme];

  it('gets its settings validated, its adapter built from them, and its name routed to it', () => {
    const schema = z.object(marketplaceSettingsOf([...marketplaceDefinitions, acme]));
    expect(z.safeParse(schema, { ACME_REGION: 'mars' }).success).toBe(false);
    const config = z.parse(schema, { ...DEV_MARKETPLACE_SETTINGS, ...devMarketplaceSettingsOf([acme]) });
    expect(config.ACME_REGION).toBe('eu');
    const registry = marketplaceRegistry(config, [...marketplaceDefinitions, acme]);
    expect(registry.adapterFor('acme-market').format).toBe('acme-eu');
    for (const d of marketplaceDefinitions) expect(registry.adapterFor(d.name).format).toBe(d.adapter(config).format);
    expect(registry.adapterFor('no-such-market')).toBe(canonicalAdapter);
    // Unregistered, it speaks the canonical format like any other marketplace.
    expect(marketplaceRegistry(devConfig).adapterFor('acme-market')).toBe(canonicalAdapter);
  });

  it('gets its bodies published after the others, sent by it alone', () => {
    const formats = webhookBodyFormatsOf(registered);
    expect(formats.map((f) => f.name)).toEqual([...webhookBodySchemas.map((f) => f.name), 'AcmeReturnEvent']);
    expect(formats.at(-1)).toEqual({
      name: 'AcmeReturnEvent',
      description: 'Acme return event.',
      schema: AcmeEventSchema,
      marketplaces: ['acme-market'],
    });
    expect(webhookBodyPartsOf(registered).map((p) => p.name)).toContain('AcmeReturnId');
    expect(webhookBodySchemas.map((f) => f.name)).not.toContain('AcmeReturnEvent');
  });

  it('gets a webhook secret in the stages, and a development secret and settings locally', () => {
    expect(webhookMarketplacesOf(registered)).toEqual([...stageConfig('dev').marketplaces, 'acme-market']);
    expect(devWebhookSecretsOf(registered)).toEqual({
      ...DEV_WEBHOOK_SECRETS,
      'acme-market': 'dev-only-acme-market-secret-change-me-0003',
    });
    expect(devMarketplaceSettingsOf(registered)).toEqual({ ...DEV_MARKETPLACE_SETTINGS, ACME_REGION: 'eu' });
    expect(stageConfig('dev').marketplaces).not.toContain('acme-market');
    expect(DEV_WEBHOOK_SECRETS).not.toHaveProperty('acme-market');
  });
});
