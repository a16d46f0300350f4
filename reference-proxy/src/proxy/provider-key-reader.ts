// Where the provider key of a request comes from: the X-Provider-Key header of that request, and nowhere else.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { AuthenticatedKey } from '../keys/key-store.ts';

export interface ProviderKeyReader {
  /** The provider key for this request; 400 `missing_provider_key` when the request has none. */
  read(request: FastifyRequest, apiKey: AuthenticatedKey): string;
}

export function createProviderKeyReader(): ProviderKeyReader {
  return {
    read(request) {
      // never a key remembered from an earlier request: a rotated key must lock us out (SECRETS-06)
      const value = request.headers['x-provider-key'];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new ApiError(400, 'missing_provider_key', 'The X-Provider-Key header is required.');
      }
      return value.trim();
    },
  };
}
