import { ConfigError } from '@app/config';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IngressEnvironment } from './ingress-environment';

/** OIDC / JWT bearer tokens, verified against the issuer's published keys. */
export interface JwtConfig {
  /** An http(s) URL, or `file:<path>`. */
  jwksUrl: string;
  issuer: string;
  audience: string;
  scopeClaim: string;
}

/** Issuer and audience are required with the key set: a token checked for less is one another tenant's IdP could mint. */
export function jwtConfig(vars: IngressEnvironment): JwtConfig | undefined {
  const { INGRESS_JWT_JWKS_URL: jwksUrl, INGRESS_JWT_ISSUER: issuer, INGRESS_JWT_AUDIENCE: audience } = vars;
  if (jwksUrl === undefined) {
    const stray = issuer !== undefined ? 'INGRESS_JWT_ISSUER' : audience !== undefined ? 'INGRESS_JWT_AUDIENCE' : '';
    if (stray) throw new ConfigError(`${stray} is set but INGRESS_JWT_JWKS_URL is not; set the key set's URL too`);
    return undefined;
  }
  if (issuer === undefined || audience === undefined)
    throw new ConfigError(
      `INGRESS_JWT_JWKS_URL needs ${issuer === undefined ? 'INGRESS_JWT_ISSUER' : 'INGRESS_JWT_AUDIENCE'} too: tokens are checked for both`,
    );
  if (jwksUrl.startsWith('file:')) {
    try {
      readKeySet(keySetPath(jwksUrl));
    } catch (error) {
      throw new ConfigError(`INGRESS_JWT_JWKS_URL: ${(error as Error).message}`);
    }
  }
  return { jwksUrl, issuer, audience, scopeClaim: vars.INGRESS_JWT_SCOPE_CLAIM };
}

/** `file:/abs/path`, `file:///abs/path` or `file:relative/path`. */
export function keySetPath(location: string): string {
  return location.startsWith('file://') ? fileURLToPath(location) : location.slice('file:'.length);
}

/** Reads and checks a key set file; throws an Error naming what is wrong. */
export function readKeySet(path: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as JSONWebKeySet).keys))
    throw new Error(`${path} is not a JSON Web Key Set ({"keys": [...]})`);
  createLocalJWKSet(parsed as JSONWebKeySet);
  return parsed as JSONWebKeySet;
}
