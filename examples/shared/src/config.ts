import path from 'node:path';

/** What `server.ts` reads from the environment. */
export interface DemoConfig {
  port: number;
  jwtSecret: string;
  /** `MFA_ENCRYPTION_KEYS` as is ('kid:base64key,...'); undefined: mfakit's ephemeral key. */
  encryptionKeys?: string;
  freshMaxAgeSeconds: number;
  /** The WebAuthn relying party: passkeys are bound to `rpID` and accepted from `origins` only. */
  webauthn: {
    /** `WEBAUTHN_RP_ID`. @default 'localhost' */
    rpID: string;
    /** `WEBAUTHN_ORIGINS`, split on commas; undefined: `http://localhost:<the port the server got>`. */
    origins?: string[];
  };
  /** `REDIS_URL`: the state (sessions, codes used, counters, locks) in Redis. Unset: in memory. */
  redisUrl?: string;
  /** `DATABASE_URL`: the factors in PostgreSQL. Unset: in PGlite under `dataDir`. */
  databaseUrl?: string;
  /** `MFA_DATA_DIR`, resolved; undefined: the demo's own folder under `.demo-data/`. */
  dataDir?: string;
}

/** Used when JWT_SECRET is unset, outside production only. Public: anyone can forge tokens with it. */
export const DEVELOPMENT_JWT_SECRET = 'mfakit-demo-development-secret-do-not-use-in-production';
const MIN_SECRET_LENGTH = 32; // RFC 7518 3.2: an HS256 key of at least 256 bits
const DEFAULT_RP_ID = 'localhost'; // browsers allow WebAuthn on http:// only for localhost

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return number;
}

const nonEmpty = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

/**
 * Reads PORT (default 3000), JWT_SECRET (a development default with a warning; required when
 * NODE_ENV=production), MFA_ENCRYPTION_KEYS, MFA_FRESH_MAX_AGE (seconds, default 300),
 * WEBAUTHN_RP_ID (default 'localhost') and WEBAUTHN_ORIGINS (comma-separated; default
 * http://localhost:PORT, required when WEBAUTHN_RP_ID is another domain), REDIS_URL, DATABASE_URL
 * and MFA_DATA_DIR (see stores.ts). MFA_ENCRYPTION_KEYS is required with NODE_ENV=production and
 * with DATABASE_URL (every instance of a fleet must read the same secrets).
 * Throws a RangeError naming the variable when a value is unusable. mfakit itself checks that
 * each origin lies on the RP id (createApp throws MfaError `invalid_option` otherwise).
 */
export function configFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void): DemoConfig {
  const port = integer('PORT', env.PORT, 3000, 0, 65535);
  const freshMaxAgeSeconds = integer('MFA_FRESH_MAX_AGE', env.MFA_FRESH_MAX_AGE, 300, 1, 86_400);
  let jwtSecret = env.JWT_SECRET ?? '';
  if (jwtSecret === '') {
    if (env.NODE_ENV === 'production') throw new RangeError('JWT_SECRET is required when NODE_ENV=production (e.g. JWT_SECRET=$(openssl rand -base64 32))');
    warn('JWT_SECRET is not set: using the public development secret. Anyone can forge access tokens; set JWT_SECRET outside development.');
    jwtSecret = DEVELOPMENT_JWT_SECRET;
  } else if (jwtSecret.length < MIN_SECRET_LENGTH) {
    warn(`JWT_SECRET is shorter than ${MIN_SECRET_LENGTH} characters: use at least 256 bits (openssl rand -base64 32).`);
  }
  const keys = nonEmpty(env.MFA_ENCRYPTION_KEYS);
  const redisUrl = nonEmpty(env.REDIS_URL);
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (!keys && (env.NODE_ENV === 'production' || databaseUrl)) {
    throw new RangeError(
      `MFA_ENCRYPTION_KEYS is required ${databaseUrl ? 'with DATABASE_URL, so that every instance reads the same secrets' : 'when NODE_ENV=production'} (e.g. MFA_ENCRYPTION_KEYS=k1:$(openssl rand -base64 32))`,
    );
  }
  if (databaseUrl && !redisUrl)
    warn('DATABASE_URL without REDIS_URL: sessions, used codes and lockouts stay in this process, so other instances neither see nor honour them. Set REDIS_URL for a fleet.');
  const dataDir = nonEmpty(env.MFA_DATA_DIR);
  const rpID = env.WEBAUTHN_RP_ID?.trim() || DEFAULT_RP_ID;
  const origins = env.WEBAUTHN_ORIGINS?.split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  if (rpID !== DEFAULT_RP_ID && !origins?.length) {
    throw new RangeError(`WEBAUTHN_ORIGINS is required when WEBAUTHN_RP_ID is not ${DEFAULT_RP_ID} (e.g. WEBAUTHN_ORIGINS=https://app.${rpID})`);
  }
  const webauthn = origins?.length ? { rpID, origins } : { rpID };
  return {
    port,
    jwtSecret,
    freshMaxAgeSeconds,
    webauthn,
    ...(keys ? { encryptionKeys: keys } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(dataDir ? { dataDir: path.resolve(dataDir) } : {}),
  };
}
