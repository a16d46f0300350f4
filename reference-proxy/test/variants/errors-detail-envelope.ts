// Variant: errors in the `{"detail": "…"}` envelope (FastAPI style), which the contract reads as well.
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description: 'answers every error as `{"detail": "<message>"}` instead of `{"error": {"type", "message"}}`',
  claims: ['ERRORS-01'],
  override: (components) => ({
    ...components,
    errorPresenter: { body: (error) => ({ detail: error.message }) },
  }),
};
