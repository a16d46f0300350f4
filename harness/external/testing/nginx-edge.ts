/** A real TLS-terminating edge (Debian's nginx) in front of a target, for the external-mode test: sound, or weakened on purpose. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { HarnessError } from '../../errors.ts';

export interface EdgeOptions {
  /** the scratch directory nginx runs in (config, pid, temp paths, logs) */
  dir: string;
  httpsPort: number;
  httpPort: number;
  /** the target behind it: an HTTPS origin on loopback, verified with `caFile` under the name `upstreamName` */
  upstream: { port: number; caFile: string; upstreamName: string };
  certFile: string;
  keyFile: string;
  /** TLS 1.0/1.1 with CBC suites on, and HSTS replaced by one added only to 2xx/3xx answers */
  weakened: boolean;
}

const STRONG_CIPHERS =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';
const WEAK_CIPHERS = `${STRONG_CIPHERS}:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0`;

export function nginxBinary(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  return null;
}

export function edgeConfig(o: EdgeOptions): string {
  const p = (name: string) => path.join(o.dir, name);
  // The edge owns HSTS: on every answer it gives, its own errors (a request it cannot parse) included, with
  // `always`; the weakened edge drops `always`, so only 2xx and 3xx answers carry it.
  const hsts = `add_header Strict-Transport-Security "max-age=31536000; includeSubDomains"${o.weakened ? '' : ' always'};
    add_header X-Content-Type-Options nosniff always;`;
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${p('access.log')};
  client_body_temp_path ${p('body')};
  proxy_temp_path ${p('proxy')};
  fastcgi_temp_path ${p('fastcgi')};
  uwsgi_temp_path ${p('uwsgi')};
  scgi_temp_path ${p('scgi')};
  client_max_body_size 16m;
  server_tokens off;
  server {
    listen 127.0.0.1:${o.httpsPort} ssl;
    ssl_certificate ${o.certFile};
    ssl_certificate_key ${o.keyFile};
    ssl_protocols ${o.weakened ? 'TLSv1 TLSv1.1 TLSv1.2 TLSv1.3' : 'TLSv1.2 TLSv1.3'};
    ssl_ciphers ${o.weakened ? WEAK_CIPHERS : STRONG_CIPHERS};
    ssl_prefer_server_ciphers off;
    ${hsts}
    location / {
      proxy_hide_header Strict-Transport-Security;
      proxy_hide_header X-Content-Type-Options;
      proxy_pass https://127.0.0.1:${o.upstream.port};
      proxy_ssl_trusted_certificate ${o.upstream.caFile};
      proxy_ssl_verify on;
      proxy_ssl_name ${o.upstream.upstreamName};
      proxy_ssl_server_name on;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 60s;
    }
  }
  server {
    listen 127.0.0.1:${o.httpPort};
    location / { return 301 https://$host:${o.httpsPort}$request_uri; }
  }
}
`;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export interface RunningEdge {
  stop(): Promise<void>;
}

export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const nginx = nginxBinary();
  if (nginx === null) {
    throw new HarnessError(
      'HARNESS_ERR_TARGET_START_FAILED',
      'nginx is not installed: run `bash scripts/setup.sh` (installs Debian nginx-light) for the external-mode test',
    );
  }
  await mkdir(options.dir, { recursive: true });
  const conf = path.join(options.dir, 'nginx.conf');
  await writeFile(conf, edgeConfig(options));
  const child: ChildProcess = spawn(
    nginx,
    ['-p', options.dir, '-c', conf, '-e', path.join(options.dir, 'error.log')],
    {
      stdio: 'ignore',
    },
  );
  const deadline = Date.now() + 10_000;
  while (!(await listening(options.httpsPort)) || !(await listening(options.httpPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const errors = await readFile(path.join(options.dir, 'error.log'), 'utf8').catch(() => '');
      child.kill('SIGKILL');
      throw new HarnessError(
        'HARNESS_ERR_TARGET_START_FAILED',
        `nginx did not listen: ${errors.slice(-800)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
