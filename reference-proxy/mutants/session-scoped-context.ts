// Mutant (TENANCY-05): tenant context set with SET ROLE / set_config(…, false) for the session and reset after COMMIT, so a failed transaction leaves it on the pooled connection.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    tenantSession: {
      async run(pool, userId, work) {
        const client = await pool.connect();
        try {
          await client.query('SET ROLE authenticated');
          await client.query("SELECT set_config('request.jwt.claims', $1, false)", [
            JSON.stringify({ sub: userId, role: 'authenticated' }),
          ]);
          await client.query('BEGIN');
          const result = await work(client);
          await client.query('COMMIT');
          // the clean-up runs on the success path only
          await client.query('RESET ROLE');
          await client.query('RESET request.jwt.claims');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
    },
  };
}
