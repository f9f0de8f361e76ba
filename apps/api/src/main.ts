import { createApp } from './app';
import { loadConfig } from './config';

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
