import type { MfaOptions } from '@mfakit/core';

/**
 * What a rule lets through: `bypass` (no token needed), `authenticated` (a valid token, no MFA),
 * `mfa` (a valid token and an MFA session of the same user, refined by `maxAge` and `factors`),
 * `deny` (nobody).
 */
export type Policy = 'bypass' | 'authenticated' | 'mfa' | 'deny';

/**
 * One rule of the configuration, resolved: the first rule whose every condition holds decides.
 * Conditions left out hold for every request.
 */
export interface Rule {
  /** Globs on the normalized path: `*` one segment (or part of one), `**` any number of segments. */
  paths: string[];
  /** Methods, upper-case, matched exactly. */
  methods?: string[];
  /** Host names, lower-case, without the port; `*.example.com` matches one label or more before the suffix. */
  hosts?: string[];
  /** The rule holds only for a verified token with one of these roles. */
  roles?: string[];
  /** The rule holds only for a verified token of one of these users. */
  users?: string[];
  /** What the rule lets through. */
  policy: Policy;
  /** `mfa` only: the last proof must be at most this many seconds old (requireFreshMfa's `maxAge`). */
  maxAge?: number;
  /** `mfa` only: the session must hold one of these RFC 8176 methods (requireMfa's `methods`). */
  factors?: string[];
  /**
   * `mfa` only: a proof made for this request alone (requireMfa's `once`): a step-up grant in
   * `X-MFA-Grant` made for its method and target, spent on first use, or an inline `X-MFA-Token`
   * code; a session never passes. `bindBody`: the grant must also name the digest of the body,
   * which only standalone mode sees.
   */
  once?: {
    /** The grant must name the digest of the body (`bind_body`). */
    bindBody: boolean;
  };
  /** Where the rule is in the file (1-based), for the rule table and the logs. */
  line?: number;
}

/** How bearer tokens are verified (exactly one of `jwksUri`, `jwksFile`, `secret`). */
export interface TokenConfig {
  /** A remote JWKS (the identity provider's `jwks_uri`), fetched and cached by jose. */
  jwksUri?: string;
  /** A JWKS file, read once at start. */
  jwksFile?: string;
  /** An HS256 secret, development only (at least 32 characters). */
  secret?: string;
  /** The `iss` every token must have. */
  issuer?: string;
  /** The `aud` every token must have (one of them). */
  audience?: string[];
  /** The JWS algorithms accepted. @default ['RS256', 'PS256', 'ES256', 'EdDSA'], or ['HS256'] with `secret` */
  algorithms: string[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. @default 30 */
  clockTolerance: number;
  /** The claim that names the user. @default 'sub' */
  userClaim: string;
  /** The claim that lists the user's roles (a list of strings, or one space-separated string). @default 'roles' */
  rolesClaim: string;
}

/** The gateway's configuration, as `loadConfig` resolves it from the YAML file and the environment. */
export interface GatewayConfig {
  /** The configuration file, absolute. */
  file: string;
  /** Where the gateway listens; `PORT`, when set, overrides the port. */
  listen: {
    /** The address. @default '127.0.0.1' */
    host: string;
    /** The port. @default 8080 */
    port: number;
  };
  /** Standalone mode: the origin requests are forwarded to (`http://host:port`). Absent: forward-auth only. */
  upstream?: string;
  /** How long the upstream may take to answer, in ms, before a 504. @default 30_000 */
  upstreamTimeout: number;
  /** The largest request body forwarded, in bytes; absent: no limit of the gateway's own. */
  bodyLimit?: number;
  /** How bearer tokens are verified. */
  tokens: TokenConfig;
  /** Addresses and CIDR ranges whose `X-Forwarded-*` and `X-Original-*` headers are believed. @default [] */
  trustedProxies: string[];
  /** The policy of a request no rule matches. @default 'deny' */
  defaultPolicy: Policy;
  /** The rules, in order. */
  rules: Rule[];
  /** Where the HTTP contract is served. @default '/mfa' */
  mfaPath: string;
  /** Roles that may use the admin routes (`<mfaPath>/admin`). @default ['admin'] */
  adminRoles: string[];
  /** The folder of the embedded database when `DATABASE_URL` is unset: `MFA_DATA_DIR`, else `data_dir`, else `.mfakit-gateway` beside the file. */
  dataDir: string;
  /** A URL that receives every notice to users and administrators as a JSON POST. */
  notificationsUrl?: string;
  /**
   * What goes to `createMfa` (the same names, the same defaults): `issuer`, `encryptionKeys`,
   * `policy` (`required`, `trustedAmr`, `trustedAcr`, `enrollmentDeadline`), `session`, `freshProofMaxAge`,
   * `throttle`, `totp`, `hotp`, `webauthn`, `enrollmentTtl`, `recoveryCodeCost`. Only what the file
   * sets is here; createMfa fills in the rest and checks the ranges. `encryptionKeys` is the text
   * form (`'kid:base64key,...'`), from the file or else `MFA_ENCRYPTION_KEYS`.
   */
  mfa: Omit<MfaOptions, 'stores' | 'notify' | 'exempt' | 'accountName' | 'onEvent' | 'logger' | 'clock' | 'randomBytes' | 'oob' | 'encryptionKeys'> & {
    /** `kid:base64key,...`, the first one current: `encryption_keys` of the file, else `MFA_ENCRYPTION_KEYS`. */
    encryptionKeys?: string;
  };
}
