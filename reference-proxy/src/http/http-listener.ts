// The plain-HTTP listener: a 308 to the same host and path over HTTPS, for every method and path, and nothing else.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import type { Logger } from 'pino';

export interface HttpListenerContext {
  httpsPort: number;
  logger: Logger;
  /** The HTTPS app's request handler. The real listener never calls it; it is here for what a listener might route to. */
  apiHandler: RequestListener;
}

export type HttpListenerFactory = (context: HttpListenerContext) => RequestListener;

const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * The hostname of a Host header (port dropped), or null when it is anything but a plain DNS name
 * or IP literal: userinfo, paths, odd characters or a second host would make an open redirect.
 */
export function redirectHostname(hostHeader: string | undefined): string | null {
  if (hostHeader === undefined) return null;
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/i.exec(hostHeader);
  if (bracketed !== null) return isIPv6(bracketed[1] ?? '') ? `[${bracketed[1]}]` : null;
  const match = /^([^:]+)(?::\d{1,5})?$/.exec(hostHeader);
  const host = match?.[1];
  if (host === undefined) return null;
  if (isIPv4(host) || HOSTNAME_PATTERN.test(host)) return host.toLowerCase();
  return null;
}

/** The path and query to keep; an absolute-form request target keeps only its path and query. */
export function redirectPath(url: string | undefined): string {
  if (url === undefined || url === '*') return '/';
  if (url.startsWith('/')) return url;
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return '/';
  }
}

function finish(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
) {
  // the body is never read, so nothing a client sends here is processed
  request.resume();
  response.writeHead(status, { ...headers, 'content-length': '0', 'cache-control': 'no-store' });
  response.end();
}

export const createHttpsRedirectListener: HttpListenerFactory = ({ httpsPort, logger }) => {
  return (request, response) => {
    const hostname = redirectHostname(request.headers.host);
    if (hostname === null) {
      finish(request, response, 400, {});
      logger.info({ listener: 'http', method: request.method, status: 400 }, 'http request refused');
      return;
    }
    const location = `https://${hostname}:${httpsPort}${redirectPath(request.url)}`;
    finish(request, response, 308, { location });
    logger.info({ listener: 'http', method: request.method, status: 308 }, 'http request redirected');
  };
};
