/** report.pdf: the bundle's index.html printed by Chromium (Debian's, through playwright-core), offline. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const PDF_FILE = 'report.pdf';

/** Where Chromium is: HARNESS_CHROMIUM, else Debian's (as fixtures/browser.ts finds it). */
function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.HARNESS_CHROMIUM?.trim() || '/usr/bin/chromium';
}

/**
 * Prints `<bundleDir>/index.html` to `<out ?? bundleDir>/report.pdf` and returns its path. Throws with what
 * to do when Chromium is missing, or when `timeoutMs` passes first (the browser is closed either way).
 */
export async function renderPdf(
  bundleDir: string,
  options: { out?: string; timeoutMs?: number } = {},
): Promise<string> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath))
    throw new Error(
      `no Chromium at ${executablePath}: run \`bash scripts/setup.sh\` or set HARNESS_CHROMIUM to render report.pdf`,
    );
  const index = path.join(bundleDir, 'index.html');
  if (!existsSync(index)) throw new Error(`${index} is missing: render the html format first`);
  const target = path.join(options.out ?? bundleDir, PDF_FILE);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: timeoutMs,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = (async () => {
      const page = await browser.newPage();
      // the page is self-contained: block anything that would leave the machine
      await page.route(/^(?!file:)/, (route) => route.abort());
      await page.goto(pathToFileURL(index).href, { waitUntil: 'load', timeout: timeoutMs });
      await page.pdf({
        path: target,
        format: 'A4',
        printBackground: true,
        margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
      });
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`rendering report.pdf took over ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    await Promise.race([work, timeout]);
    return target;
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => undefined);
  }
}
