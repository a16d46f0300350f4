// GET /dashboard/keys and its two assets, under a CSP that allows no inline script and nothing off-site; GET /dashboard redirects there.
import type { FastifyInstance } from 'fastify';
import type { Components } from '../components.ts';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const ASSETS = [
  { url: '/dashboard/keys', file: 'dashboard.html', type: 'text/html; charset=utf-8' },
  { url: '/dashboard/dashboard.js', file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { url: '/dashboard/dashboard.css', file: 'dashboard.css', type: 'text/css; charset=utf-8' },
];

export async function dashboardRoutes(
  app: FastifyInstance,
  options: { components: Components },
): Promise<void> {
  for (const asset of ASSETS) {
    // read once at start: the page is static, and no request can name a file
    const content = options.components.dashboardAssets.read(asset.file);
    app.get(asset.url, async (_request, reply) =>
      reply
        .header('content-type', asset.type)
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .send(content),
    );
  }
  // the dashboard's short address: a permanent redirect over HTTPS (it carries HSTS like every response)
  app.get('/dashboard', async (_request, reply) => reply.redirect('/dashboard/keys', 308));
}
