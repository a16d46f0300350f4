// Strict-Transport-Security (RFC 6797) as the contract demands it: one header, max-age ≥ 1 year, includeSubDomains.

export const ONE_YEAR_S = 31_536_000;

export interface HstsDirectives {
  maxAge: number | null;
  includeSubDomains: boolean;
  preload: boolean;
}

/** The directives of one header value; null when the value is not a valid STS header (RFC 6797 §6.1). */
export function parseHsts(value: string): HstsDirectives | null {
  let maxAge: number | null = null;
  let includeSubDomains = false;
  let preload = false;
  const seen = new Set<string>();
  for (const raw of value.split(';')) {
    const directive = raw.trim();
    if (directive === '') continue;
    const [name = '', ...rest] = directive.split('=');
    const key = name.trim().toLowerCase();
    // §6.1: a directive must not appear twice
    if (seen.has(key)) return null;
    seen.add(key);
    const argument = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (key === 'max-age') {
      if (!/^\d+$/.test(argument)) return null;
      maxAge = Number(argument);
    } else if (key === 'includesubdomains') includeSubDomains = true;
    else if (key === 'preload') preload = true;
  }
  return maxAge === null ? null : { maxAge, includeSubDomains, preload };
}

/** Why a response's HSTS falls short of the contract, or null when it is fine. */
export function hstsShortfall(header: string | string[] | undefined): string | null {
  if (header === undefined) return 'no Strict-Transport-Security header';
  const values = Array.isArray(header) ? header : [header];
  // RFC 6797 §8.1: a browser honours only the first; two headers mean two configurations disagree
  if (values.length !== 1) return `${values.length} Strict-Transport-Security headers`;
  const parsed = parseHsts(values[0] ?? '');
  if (parsed === null) return `invalid Strict-Transport-Security value "${values[0]}"`;
  if (parsed.maxAge === null || parsed.maxAge < ONE_YEAR_S)
    return `max-age=${parsed.maxAge} is under one year`;
  if (!parsed.includeSubDomains) return 'includeSubDomains is missing';
  return null;
}
