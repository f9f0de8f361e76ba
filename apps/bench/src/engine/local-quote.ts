import { RatecardClient } from '@ratecard/client';
import type { SourceFile } from '@ratecard/dsl';
import type { CompiledRuleSet, Decision } from '@ratecard/engine';
import { fromDecision, NOW, type Contender } from './contenders';
import type { MixEntry } from './mix';

/**
 * `@ratecard/client`'s local quote as a contender: the client loads the rules as a service would
 * (its fetch answers with the bundle from memory, so no server is needed), compiles them, and
 * `LocalRules.quote` prices each request in-process.
 */
export async function localQuoteContender(compiled: CompiledRuleSet, files: readonly SourceFile[]): Promise<Contender> {
  const bundle = JSON.stringify({ version: compiled.version, files: files.filter((f) => !/\.test\.ya?ml$/.test(f.path)) });
  const client = new RatecardClient({
    baseUrl: 'http://bench.invalid',
    apiKey: 'rck_bench',
    fetch: async () => new Response(bundle, { status: 200, headers: { 'content-type': 'application/json', etag: `"${compiled.version}"` } }),
  });
  const rules = await client.localRules({ watch: false });
  // What a service passes: the plan, the request, what it knows of the account.
  const quote = (e: MixEntry) =>
    rules.quote({ plan: e.account.plan, action: e.request.action, params: e.request.params, confirm: e.request.confirm, balanceMillicredits: e.account.balanceMc, usage: e.account.usage, cycleEnd: e.account.cycleEnd, at: NOW });
  return { key: 'localQuote', label: '@ratecard/client local quote (LocalRules.quote, in-process)', sync: true, run: (e) => quote(e) as unknown as Decision, answer: (e) => fromDecision(quote(e) as unknown as Decision) };
}
