// Accounts: signup and the login lookup, both backend work with no tenant yet (the service role).
import type { Database } from '../db/database.ts';

export interface AccountCredentials {
  id: string;
  email: string;
  passwordHash: string;
}

export interface AccountStore {
  /** The new user's id, or null when the e-mail is taken. */
  create(email: string, passwordHash: string): Promise<string | null>;
  findByEmail(email: string): Promise<AccountCredentials | null>;
}

export function createAccountStore(db: Database): AccountStore {
  return {
    create(email, passwordHash) {
      return db.asService(async (client) => {
        const result = await client.query<{ id: string }>(
          `INSERT INTO public.users (email, password_hash) VALUES ($1, $2)
           ON CONFLICT (email) DO NOTHING RETURNING id`,
          [email, passwordHash],
        );
        return result.rows[0]?.id ?? null;
      });
    },
    findByEmail(email) {
      return db.asService(async (client) => {
        const result = await client.query<{ id: string; email: string; password_hash: string }>(
          'SELECT id, email, password_hash FROM public.users WHERE email = $1',
          [email],
        );
        const row = result.rows[0];
        return row === undefined ? null : { id: row.id, email: row.email, passwordHash: row.password_hash };
      });
    },
  };
}
