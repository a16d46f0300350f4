// The files of the /dashboard/keys page (HTML, script, stylesheet), read once from public/.
import { readFileSync } from 'node:fs';

export const PUBLIC_DIR = new URL('../../public/', import.meta.url);

export interface DashboardAssets {
  /** The bytes served for one of the dashboard's files (`dashboard.html`, `dashboard.js`, `dashboard.css`). */
  read(file: string): Buffer;
}

export function createDashboardAssets(): DashboardAssets {
  return {
    read(file) {
      return readFileSync(new URL(file, PUBLIC_DIR));
    },
  };
}
