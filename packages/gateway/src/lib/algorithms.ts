/** The HMAC JWS algorithms: with `tokens.secret` only (RFC 7518 section 3.2). */
export const HMAC_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];

/** The public-key JWS algorithms jose 6 verifies (RFC 7518 section 3.1, RFC 8037, ML-DSA): with a JWKS only. */
export const PUBLIC_KEY_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'];

/** The shortest `tokens.secret`: 32 characters, the 256 bits RFC 7518 section 3.2 asks of an HS256 key. */
export const MIN_SECRET_LENGTH = 32;
