// GET /health and GET /version: no auth, never rate limited.
import type { FastifyInstance } from 'fastify';

export interface BuildInfo {
  version: string;
  gitSha: string;
  buildTime: string;
}

export async function healthRoutes(app: FastifyInstance, options: { build: BuildInfo }): Promise<void> {
  const { version, gitSha, buildTime } = options.build;
  app.get('/health', async () => ({ status: 'ok', version, git_sha: gitSha }));
  app.get('/version', async () => ({ version, git_sha: gitSha, build_time: buildTime }));
}
