import { api } from './client';

/**
 * What this service can do beyond the routes every Studio needs, read once from its OpenAPI
 * document. Parts of the Studio that depend on work landing in parallel (credit grants with
 * expiry, scheduled activation) check here and show "not available on this server" until the
 * route exists, so they light up without a Studio change.
 */
export interface Capabilities {
  /** `GET /v1/accounts/{id}/grants`: credit grants with expiry (ledger v2). */
  readonly grants: boolean;
  /**
   * Activation at a given time, when the service has it: which route takes the time (activate, or
   * publish) and under which property (`at` or `activateAt`). Null until it exists.
   */
  readonly schedule: { readonly route: 'activate' | 'publish'; readonly field: string } | null;
}

interface OpenApi {
  readonly paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>>;
  readonly components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}

let cached: Promise<Capabilities> | undefined;

function bodyProperties(doc: OpenApi, path: string, method: string): string[] {
  const ref = doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema?.$ref;
  const name = ref?.split('/').pop();
  return name ? Object.keys(doc.components?.schemas?.[name]?.properties ?? {}) : [];
}

/** Reads `/docs/openapi.json` once per page load. */
export function capabilities(): Promise<Capabilities> {
  cached ??= api
    .get<OpenApi>('/docs/openapi.json')
    .then((doc) => {
      const activate = bodyProperties(doc, '/v1/rulesets/{version}/activate', 'post').find((p) => p === 'at' || p === 'activateAt');
      const publish = bodyProperties(doc, '/v1/rulesets', 'post').find((p) => p === 'activateAt');
      const schedule = activate ? { route: 'activate' as const, field: activate } : publish ? { route: 'publish' as const, field: publish } : null;
      return { grants: Boolean(doc.paths['/v1/accounts/{id}/grants']?.get), schedule };
    })
    .catch(() => ({ grants: false, schedule: null }));
  return cached;
}
