// Kafka's OAuthBearerUnsecuredValidatorCallbackHandler: the default OAUTHBEARER validator,
// for development only. The token is an unsecured JWS (RFC 7515 appendix A.5): a base64url
// JSON header with "alg":"none", a base64url JSON claims set, and an empty signature
// ("<header>.<claims>."). Nothing proves who made it.
//
// Checks, in Kafka's order: the principal claim (default `sub`) is a non-empty string; `iat`,
// if present, is a number not later than now plus the allowed clock skew; `exp` is a number
// and now minus the skew is before it; `exp` is after `iat`; every required scope is in the
// scope claim (a string is one scope, an array a list). A missing scope is answered
// `insufficient_scope` with the required scope, anything else `invalid_token`.
//
// Options are those of the listener's OAUTHBEARER JAAS entry, as in Kafka:
//   unsecuredValidatorPrincipalClaimName, unsecuredValidatorScopeClaimName,
//   unsecuredValidatorRequiredScope (space-separated), unsecuredValidatorAllowableClockSkewMs.

import { OAuthBearerValidationError, type OAuthBearerToken, type OAuthBearerValidator } from './oauthbearer.ts';

export interface UnsecuredValidatorOptions {
  readonly principalClaimName: string;
  readonly scopeClaimName: string;
  readonly requiredScope: readonly string[];
  readonly allowableClockSkewMs: number;
}

/** The unsecured validator's options from JAAS options; throws on a bad clock skew. */
export function unsecuredValidatorOptions(jaas: ReadonlyMap<string, string>): UnsecuredValidatorOptions {
  const nonBlank = (key: string, fallback: string) => {
    const value = jaas.get(key)?.trim();
    return value ? value : fallback;
  };
  const skew = jaas.get('unsecuredValidatorAllowableClockSkewMs')?.trim() || '0';
  if (!/^\d+$/.test(skew) || !Number.isSafeInteger(Number(skew))) {
    throw new Error(`Invalid value for unsecuredValidatorAllowableClockSkewMs: ${skew} (a non-negative integer of milliseconds)`);
  }
  return {
    principalClaimName: nonBlank('unsecuredValidatorPrincipalClaimName', 'sub'),
    scopeClaimName: nonBlank('unsecuredValidatorScopeClaimName', 'scope'),
    requiredScope: (jaas.get('unsecuredValidatorRequiredScope') ?? '').split(' ').filter((s) => s !== ''),
    allowableClockSkewMs: Number(skew),
  };
}

type Claims = Record<string, unknown>;

function decodePart(part: string, what: string): Claims {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new OAuthBearerValidationError(`Invalid unsecured JWS: the ${what} is not base64url-encoded JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new OAuthBearerValidationError(`Invalid unsecured JWS: the ${what} is not a JSON object`);
  return value as Claims;
}

/** The claims of an unsecured JWS, or a validation error. */
export function unsecuredJwsClaims(token: string): Claims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new OAuthBearerValidationError('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
  if (parts[2] !== '') throw new OAuthBearerValidationError('Unsecured JWS must have an empty signature');
  const header = decodePart(parts[0]!, 'header');
  if (header['alg'] !== 'none') throw new OAuthBearerValidationError(`Unsecured JWS must have "alg":"none" (found ${JSON.stringify(header['alg'])})`);
  return decodePart(parts[1]!, 'claims set');
}

function scopeOf(claims: Claims, name: string): string[] {
  const value = claims[name];
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim());
  if (value === undefined || value === null) return [];
  throw new OAuthBearerValidationError(`The claim ${name} has the wrong type`);
}

function numericClaim(claims: Claims, name: string, required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined || value === null) {
    if (required) throw new OAuthBearerValidationError(`Required claim missing: ${name}`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OAuthBearerValidationError(`The claim ${name} has the wrong type`);
  return value;
}

export function unsecuredValidator(options: UnsecuredValidatorOptions, clock: () => number = Date.now): OAuthBearerValidator {
  return (token) => {
    const claims = unsecuredJwsClaims(token);
    const now = clock();
    const skew = options.allowableClockSkewMs;
    const principal = claims[options.principalClaimName];
    if (principal === undefined || principal === null) throw new OAuthBearerValidationError(`Required claim missing: ${options.principalClaimName}`);
    if (typeof principal !== 'string') throw new OAuthBearerValidationError(`The claim ${options.principalClaimName} has the wrong type`);
    if (principal.trim() === '') throw new OAuthBearerValidationError(`No principal name in JWT claim: ${options.principalClaimName}`);
    const iat = numericClaim(claims, 'iat', false);
    if (iat !== undefined && iat * 1000 > now + skew) {
      throw new OAuthBearerValidationError(`The Issued At value (${iat} seconds) was after the indicated time (${now} ms) plus allowable clock skew (${skew} ms)`);
    }
    const exp = numericClaim(claims, 'exp', true)!;
    if (now - skew >= exp * 1000) {
      throw new OAuthBearerValidationError(`The indicated time (${now} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp} seconds)`);
    }
    if (iat !== undefined && exp <= iat) throw new OAuthBearerValidationError(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${iat} seconds)`);
    const scope = scopeOf(claims, options.scopeClaimName);
    for (const required of options.requiredScope) {
      if (!scope.includes(required)) {
        throw new OAuthBearerValidationError(`The provided scope (${scope.join(' ')}) was missing a required scope (${required})`, { status: 'insufficient_scope', scope: options.requiredScope.join(' ') });
      }
    }
    const result: OAuthBearerToken = { principalName: principal, lifetimeMs: Math.round(exp * 1000), scope };
    return result;
  };
}
