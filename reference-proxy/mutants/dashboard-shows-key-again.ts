// Mutant (AUTH-03): the dashboard keeps the new key in sessionStorage "so a reload before copying it loses nothing", and shows it again.
import type { Components } from '../src/components.ts';

/** Where the script writes a new key into the dialog, and where it wires the page up on load. */
const SHOW_KEY = "$('raw-key-value').textContent = created.raw_key;";
const ON_LOAD = "document.addEventListener('DOMContentLoaded', () => {";

function keepKeyAcrossReloads(script: string): string {
  if (!script.includes(SHOW_KEY) || !script.includes(ON_LOAD)) {
    throw new Error('dashboard-shows-key-again: dashboard.js changed; this mutant no longer applies');
  }
  return script
    .replace(SHOW_KEY, `${SHOW_KEY}\n      sessionStorage.setItem('mintoken.newKey', created.raw_key);`)
    .replace(
      ON_LOAD,
      `${ON_LOAD}
    const kept = sessionStorage.getItem('mintoken.newKey');
    if (kept !== null) {
      $('raw-key-value').textContent = kept;
      $('raw-key-dialog').showModal();
    }`,
    );
}

export function mutate(components: Components): Components {
  const real = components.dashboardAssets;
  return {
    ...components,
    dashboardAssets: {
      read(file) {
        const content = real.read(file);
        return file === 'dashboard.js'
          ? Buffer.from(keepKeyAcrossReloads(content.toString('utf8')))
          : content;
      },
    },
  };
}
