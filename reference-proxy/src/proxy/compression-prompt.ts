// The "compression" system prompt Mintoken injects, one wording per intensity.

export const REQUEST_INTENSITIES = ['lite', 'full', 'ultra', 'none'] as const;
export type RequestIntensity = (typeof REQUEST_INTENSITIES)[number];

const PROMPTS: Record<Exclude<RequestIntensity, 'none'>, string> = {
  lite: 'Answer concisely in natural, professional prose. Skip filler, pleasantries and repetition.',
  full: 'Answer tersely. Fragments are fine; drop articles and filler. Keep every fact, number, name and code exactly.',
  ultra:
    'Answer in the fewest tokens possible: heavy abbreviation, arrows (→) for causality, no prose. Keep code and identifiers exact.',
};

/** The text to inject, or null when the request asked for no compression. */
export function compressionPrompt(intensity: RequestIntensity): string | null {
  return intensity === 'none' ? null : PROMPTS[intensity];
}

export function isRequestIntensity(value: string): value is RequestIntensity {
  return (REQUEST_INTENSITIES as readonly string[]).includes(value);
}
