import { MfaError } from '@mfakit/core';
import {
  type Exemption,
  type FactorRecord,
  isOobFactor,
  isOtpFactor,
  type OobFactorRecord,
  type OtpFactorRecord,
  type ProofContext,
  type UserRecord,
  type WebAuthnFactorRecord,
} from '@mfakit/core/store';

/** A row of the factors table as the drivers return it (pg gives bigint as text, PGlite as a number). */
export interface FactorRow {
  user_id: string;
  id: string;
  kind: string;
  label: string;
  created_at: string | number;
  counter: string | number;
  secret: string | null;
  data: FactorData;
  /** A WebAuthn credential refused until an administrator enables it (migration 4). */
  disabled: boolean;
}

/** The JSONB `data` of a factor row as `factorParams` writes it: only the fields of the row's kind are there. */
type FactorData = Pick<OtpFactorRecord, 'algorithm' | 'digits' | 'period'> &
  Pick<OobFactorRecord, 'channel' | 'hint'> &
  Pick<WebAuthnFactorRecord, 'credentialId' | 'publicKey' | 'deviceType' | 'backedUp' | 'aaguid'> & { transports?: string[] };

/** The column values of a factor, in the order of `INSERT_COLUMNS`. */
export function factorParams(factor: FactorRecord): unknown[] {
  const data = isOtpFactor(factor)
    ? { algorithm: factor.algorithm, digits: factor.digits, period: factor.period }
    : isOobFactor(factor)
      ? { channel: factor.channel, hint: factor.hint }
      : {
          credentialId: factor.credentialId,
          publicKey: factor.publicKey,
          transports: factor.transports,
          deviceType: factor.deviceType,
          backedUp: factor.backedUp,
          aaguid: factor.aaguid,
        };
  const secret = factor.kind === 'webauthn' ? null : factor.secret;
  const disabled = factor.kind === 'webauthn' && factor.disabled === true;
  return [factor.userId, factor.id, factor.kind, factor.label, factor.createdAt, factor.counter, secret, JSON.stringify(data), disabled];
}

export const INSERT_COLUMNS = 'user_id, id, kind, label, created_at, counter, secret, data, disabled';
export const INSERT_VALUES = '$1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9';

/**
 * Turns a row back into a fresh record; a row of an unknown kind is `store_corrupt`. Each kind's
 * record is one object literal: spreading a common part into it (`{ ...base, kind }`) costs V8
 * about 5 µs a record, most of the time of a scan of every factor.
 */
export function factorOf(row: FactorRow): FactorRecord {
  const data = row.data;
  if (row.kind === 'totp' || row.kind === 'hotp') {
    if (row.secret === null) throw new MfaError('store_corrupt', `OTP factor ${row.id} has no secret.`);
    return {
      id: row.id,
      userId: row.user_id,
      label: row.label,
      createdAt: Number(row.created_at),
      counter: Number(row.counter),
      kind: row.kind,
      secret: row.secret,
      algorithm: data.algorithm,
      digits: data.digits,
      period: data.period,
    };
  }
  if (row.kind === 'oob') {
    if (row.secret === null) throw new MfaError('store_corrupt', `Out-of-band factor ${row.id} has no secret.`);
    return {
      id: row.id,
      userId: row.user_id,
      label: row.label,
      createdAt: Number(row.created_at),
      counter: Number(row.counter),
      kind: 'oob',
      channel: data.channel,
      secret: row.secret,
      hint: data.hint,
    };
  }
  if (row.kind === 'webauthn') {
    const credential: WebAuthnFactorRecord = {
      id: row.id,
      userId: row.user_id,
      label: row.label,
      createdAt: Number(row.created_at),
      counter: Number(row.counter),
      kind: 'webauthn',
      credentialId: data.credentialId,
      publicKey: data.publicKey,
      transports: data.transports ? [...data.transports] : [],
      deviceType: data.deviceType,
      backedUp: data.backedUp,
      aaguid: data.aaguid,
    };
    if (row.disabled) credential.disabled = true;
    return credential;
  }
  throw new MfaError('store_corrupt', `Factor ${row.id} has an unknown kind.`);
}

/** A row of the users table; pg and PGlite both parse JSONB into objects (as `exemptionParam` and `proofParam` wrote them). */
export interface UserRow {
  user_id: string;
  exemption: Exemption | null;
  last_proof: ProofContext | null;
}

/** The JSONB text of an exemption, or null to lift it. */
export function exemptionParam(exemption: Exemption | null): string | null {
  if (!exemption) return null;
  const { reason, expiresAt, grantedBy, grantedAt } = exemption;
  return JSON.stringify({ reason, expiresAt, grantedBy, grantedAt });
}

/** The JSONB text of a proof's context (absent `ip` and `userAgent` stay absent). */
export function proofParam(context: ProofContext): string {
  const { at, ip, userAgent } = context;
  return JSON.stringify({ at, ip, userAgent });
}

/** Turns a row back into a fresh user record. */
export function userOf(row: UserRow): UserRecord {
  const e = row.exemption;
  const p = row.last_proof;
  let lastProof: ProofContext | null = null;
  if (p) {
    lastProof = { at: Number(p.at) };
    if (typeof p.ip === 'string') lastProof.ip = p.ip;
    if (typeof p.userAgent === 'string') lastProof.userAgent = p.userAgent;
  }
  return {
    userId: row.user_id,
    exemption: e ? { reason: e.reason, expiresAt: Number(e.expiresAt), grantedBy: e.grantedBy, grantedAt: Number(e.grantedAt) } : null,
    lastProof,
  };
}
