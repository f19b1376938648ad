import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, renderOpenApi } from '#lib/http/openapi.ts';
import { webhookBodySchemas } from '#lib/http/webhook-body-schemas.ts';
import { localFunctions } from '#local/functions.ts';
import { httpRoutes } from '../../functions/manifest.ts';

/** openapi.json is generated from the zod schemas; the committed copy must be current. */

const committedPath = fileURLToPath(new URL('../../openapi.json', import.meta.url));

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

describe('openapi.json', () => {
  it('is what the schemas generate today (run `npm run openapi` after changing a schema)', () => {
    expect(readFileSync(committedPath, 'utf8')).toBe(renderOpenApi());
  });

  it('is OpenAPI 3.1 and every $ref resolves to a component', () => {
    const doc = buildOpenApiDocument() as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const text = JSON.stringify(doc);
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty(ref);
    expect(text).not.toMatch(/"\$ref":"#\/\$defs/);
  });

  it('documents every HTTP route the runtime serves, staff routes secured by the JWT and nothing else', () => {
    const doc = buildOpenApiDocument() as Doc;
    // Every route but the catch-all ($default, what no route matches: not an operation).
    const http = httpRoutes()
      .map(({ trigger }) => trigger)
      .filter((t) => t.path !== '$default');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(new Set(documented)).toEqual(new Set(http.map((f) => `${f.method} ${f.path}`)));
    // The local runtime serves the same routes, from the same manifest, and the catch-all.
    expect(new Set(localFunctions.flatMap((f) => (f.kind === 'http' ? [`${f.method} ${f.path}`] : [])))).toEqual(
      new Set([...documented, 'ANY $default']),
    );
    for (const fn of http) {
      const op = doc.paths[fn.path]?.[fn.method.toLowerCase()];
      expect(op?.security, `${fn.method} ${fn.path}`).toEqual(fn.auth === 'staff-jwt' ? [{ staffJwt: [] }] : []);
      if (fn.auth === 'staff-jwt') expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('writes every sizeable schema once, as a component, and refers to it (no inlined copies)', () => {
    const doc = buildOpenApiDocument() as Doc;
    const text = JSON.stringify(doc);
    for (const [id, schema] of Object.entries(doc.components.schemas)) {
      const body = JSON.stringify(schema);
      if (body.length < 500) continue;
      expect(text.split(body).length - 1, id).toBe(1);
    }
    // The payload's return is a component that both snapshot events refer to.
    const canonical = JSON.stringify(doc.components.schemas.CanonicalPayloadV1);
    expect(canonical.split('"$ref":"#/components/schemas/ReturnInput"').length - 1).toBe(2);
  });

  it('takes the webhook body from the list of webhook formats', () => {
    const doc = buildOpenApiDocument() as Doc;
    for (const format of webhookBodySchemas) expect(doc.components.schemas).toHaveProperty(format.name);
    expect(JSON.stringify(doc.paths['/webhooks/{marketplace}']?.post?.requestBody)).toContain(webhookBodySchemas[0]?.name);
  });
});
