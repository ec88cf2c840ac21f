import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { keySetPath, readKeySet } from '../config/jwt';

/** An unknown `kid` fetches the key set again, at most once per this (a token can name any kid). */
export const KEY_SET_REFETCH_MS = 10_000;
/** Keys are fetched again after this even when every kid is known, so retired keys go. */
const KEY_SET_MAX_AGE_MS = 10 * 60_000;
const KEY_SET_TIMEOUT_MS = 5_000;

/** The key set could not be had (unreachable, not JSON, not a key set): not the token's fault. */
export class KeySetUnavailableError extends Error {}

/** Errors about the token (its `kid` or `alg`), as opposed to the key set being unavailable. */
const TOKEN_ERRORS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported];

/**
 * The issuer's keys: from an http(s) URL (jose caches them, and fetches again on an unknown `kid`
 * at most every KEY_SET_REFETCH_MS), or from `file:<path>` (read again on an unknown `kid`, as
 * rarely). Failures to get them become KeySetUnavailableError.
 */
export function keySet(location: string): JWTVerifyGetKey {
  const keys = location.startsWith('file:')
    ? fileKeySet(keySetPath(location))
    : createRemoteJWKSet(new URL(location), {
        cooldownDuration: KEY_SET_REFETCH_MS,
        cacheMaxAge: KEY_SET_MAX_AGE_MS,
        timeoutDuration: KEY_SET_TIMEOUT_MS,
      });
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (TOKEN_ERRORS.some((kind) => error instanceof kind)) throw error;
      throw new KeySetUnavailableError(`The token signing keys are unavailable: ${(error as Error)?.message}`);
    }
  };
}

function fileKeySet(path: string): JWTVerifyGetKey {
  let keys = createLocalJWKSet(readKeySet(path));
  let readAt = Date.now();
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - readAt < KEY_SET_REFETCH_MS) throw error;
      readAt = Date.now();
      keys = createLocalJWKSet(readKeySet(path));
      return keys(header, token);
    }
  };
}
