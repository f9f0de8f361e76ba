import { setFlagsFromString } from 'node:v8';
import { createApp } from './app';
import { loadConfig } from './config';

// V8 lets the old generation grow to a multiple of what survived the last full collection; under
// a steady charge load that multiple was garbage waiting (RSS 240 MB for a 50 MB live heap). Growing
// it by 30% at a time keeps the service near 180 MB at the same throughput (measured; README,
// Performance). A `--heap-growing-percent` given to node (NODE_OPTIONS) wins.
if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=30');

async function main(): Promise<void> {
  const { config, problems } = loadConfig(process.env, process.cwd());
  if (!config) {
    process.stderr.write(`ratecard: invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}\n`);
    process.exit(1);
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  app.getHttpAdapter().getInstance().log.info({ port: config.port, host: config.host, database: config.databaseLabel }, `ratecard listening on http://${config.host}:${config.port} (docs at /docs)`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`ratecard: failed to start: ${(e as Error)?.message ?? String(e)}\n`);
  process.exit(1);
});
