import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { cose, isoCBOR } from '@simplewebauthn/server/helpers';

// Authenticator data flags, WebAuthn Level 3 section 6.1 ("flags").
const FLAG_UP = 0x01; // user present
const FLAG_UV = 0x04; // user verified
const FLAG_BE = 0x08; // backup eligible
const FLAG_BS = 0x10; // backed up
const FLAG_AT = 0x40; // attested credential data included
const CREDENTIAL_ID_BYTES = 32;
const AAGUID_NONE = Buffer.alloc(16); // attestation 'none': all zeros (WebAuthn section 6.5.1)

type CBORValue = Parameters<typeof isoCBOR.encode>[0];

/** How the soft authenticator is built; each assertion may override its behaviour. */
export interface SoftAuthenticatorOptions {
  /** The origin of the page the "browser" shows, e.g. 'http://localhost:3000'. */
  origin: string;
  /** Whether the authenticator verifies the user (PIN, biometric): the UV flag. @default true */
  userVerified?: boolean;
  /**
   * A synced passkey (BE and BS flags set: `multiDevice`) rather than a key bound to one device
   * (`singleDevice`). @default false
   */
  backupEligible?: boolean;
  /** Whether the signature counter grows by one per assertion; false keeps it at 0 forever, as synced passkeys do. @default true */
  countsSignatures?: boolean;
  /** What `getTransports()` reports. @default ['internal', 'hybrid'] for a synced passkey, ['usb'] otherwise */
  transports?: AuthenticatorTransport[];
}

/** What a test may change in one ceremony to play a broken authenticator or a malicious client. */
export interface CeremonyOverrides {
  /** The UP flag. @default true */
  userPresent?: boolean;
  /** The UV flag. @default the authenticator's `userVerified` */
  userVerified?: boolean;
  /** The BE and BS flags. @default the authenticator's `backupEligible` */
  backupEligible?: boolean;
  /** The origin put in clientDataJSON (no check against the RP id is made then). */
  origin?: string;
  /** The RP id whose SHA-256 goes into the authenticator data. @default the options' RP id */
  rpId?: string;
  /** The challenge put in clientDataJSON. @default the options' challenge */
  challenge?: string;
  /** clientDataJSON's `type`. @default 'webauthn.create' or 'webauthn.get' */
  type?: string;
  /** clientDataJSON's `crossOrigin`: true plays a ceremony run in a cross-origin iframe. @default false */
  crossOrigin?: boolean;
  /**
   * clientDataJSON's `topOrigin` (WebAuthn Level 3): the origin of the top-level page that embeds
   * the frame, which browsers add after `crossOrigin` when that is true. @default absent
   */
  topOrigin?: string;
}

/** Overrides of one registration. */
export interface RegistrationOverrides extends CeremonyOverrides {
  /** Register one of this authenticator's existing credentials again (ignores `excludeCredentials`). */
  credentialId?: string;
}

/** Overrides of one assertion. */
export interface AuthenticationOverrides extends CeremonyOverrides {
  /** The signature counter to sign (and keep); e.g. an older value to play a cloned authenticator. */
  counter?: number;
  /** Spoil the signature (one bit flipped), as a forger without the private key would. */
  tamperSignature?: boolean;
  /** Sign with this credential of the authenticator, even when the options do not allow it. */
  credentialId?: string;
}

/** One credential the authenticator holds. */
export interface SoftCredential {
  /** base64url */
  id: string;
  rpId: string;
  /** The user handle of the creation options (base64url), returned in assertions. */
  userHandle: string;
  /** The signature counter last signed. */
  counter: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * A software WebAuthn authenticator and browser in one, for tests: it answers the JSON options of
 * `generateRegistrationOptions()` / `generateAuthenticationOptions()` with exactly the JSON that
 * @simplewebauthn/browser's `startRegistration()` / `startAuthentication()` would send. ES256
 * (P-256) keys from node:crypto, attestation format 'none', AAGUID all zeros.
 *
 * Like a browser it refuses options whose RP id does not fit its origin, and like an authenticator
 * it refuses to register again where `excludeCredentials` lists one of its credentials, and to
 * sign where `allowCredentials` lists none of them (each throws an Error). Overrides play a
 * malicious client or a broken authenticator instead.
 *
 * @example
 * const key = new SoftAuthenticator({ origin: 'http://localhost:3000' });
 * const options = unwrap(await mfa.webauthnRegistrationOptions({ user }));
 * unwrap(await mfa.registerWebAuthn({ user }, key.register(options)));
 * const assertion = key.authenticate(unwrap(await mfa.webauthnAuthenticationOptions({ user })));
 * @see https://www.w3.org/TR/webauthn-3/#sctn-authenticator-data
 */
export class SoftAuthenticator {
  readonly origin: string;
  readonly userVerified: boolean;
  readonly backupEligible: boolean;
  readonly countsSignatures: boolean;
  readonly transports: AuthenticatorTransport[];
  private readonly held = new Map<string, SoftCredential>();
  private last: SoftCredential | undefined;

  constructor(options: SoftAuthenticatorOptions) {
    this.origin = new URL(options.origin).origin;
    this.userVerified = options.userVerified ?? true;
    this.backupEligible = options.backupEligible ?? false;
    this.countsSignatures = options.countsSignatures ?? true;
    this.transports = options.transports ?? (this.backupEligible ? ['hybrid', 'internal'] : ['usb']);
  }

  /** The credentials it holds, oldest first. */
  get credentials(): SoftCredential[] {
    return [...this.held.values()];
  }

  /** The most recently registered or used credential; throws when there is none. */
  get credential(): SoftCredential {
    if (!this.last) throw new Error('SoftAuthenticator: no credential registered yet');
    return this.last;
  }

  /** The signature counter of the current credential. */
  get counter(): number {
    return this.credential.counter;
  }

  /** Sets the signature counter of the current credential, e.g. back, to play a clone. */
  set counter(value: number) {
    this.credential.counter = value;
  }

  /** `navigator.credentials.create()`: a new ES256 credential, as RegistrationResponseJSON. */
  register(options: PublicKeyCredentialCreationOptionsJSON, overrides: RegistrationOverrides = {}): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    if (overrides.origin === undefined) this.checkRpId(rpId);
    if (!options.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === cose.COSEALG.ES256)) {
      throw new Error('SoftAuthenticator: NotSupportedError: the options do not accept ES256');
    }
    let credential: SoftCredential;
    if (overrides.credentialId !== undefined) {
      credential = this.find(overrides.credentialId);
    } else {
      const excluded = (options.excludeCredentials ?? []).find((c) => this.held.has(c.id));
      if (excluded) throw new Error('SoftAuthenticator: InvalidStateError: this authenticator holds an excluded credential');
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      credential = { id: randomBytes(CREDENTIAL_ID_BYTES).toString('base64url'), rpId, userHandle: options.user.id, counter: 0, privateKey, publicKey };
      this.held.set(credential.id, credential);
    }
    this.last = credential;

    const clientDataJSON = this.clientData('webauthn.create', options.challenge, overrides);
    const idBytes = Buffer.from(credential.id, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(idBytes.length);
    const attested = Buffer.concat([AAGUID_NONE, idLength, idBytes, coseKey(credential.publicKey)]);
    const authData = this.authenticatorData(overrides.rpId ?? rpId, credential.counter, overrides, FLAG_AT, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, CBORValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const response: RegistrationResponseJSON = {
      id: credential.id,
      rawId: credential.id,
      response: {
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        clientDataJSON: b64url(clientDataJSON),
        transports: [...this.transports],
        publicKeyAlgorithm: cose.COSEALG.ES256,
        publicKey: b64url(credential.publicKey.export({ type: 'spki', format: 'der' })),
        authenticatorData: b64url(authData),
      },
      type: 'public-key',
      clientExtensionResults: options.extensions?.credProps ? { credProps: { rk: options.authenticatorSelection?.residentKey !== 'discouraged' } } : {},
      authenticatorAttachment: this.attachment(),
    };
    return response;
  }

  /** `navigator.credentials.get()`: an assertion signed with ES256, as AuthenticationResponseJSON. */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, overrides: AuthenticationOverrides = {}): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    if (overrides.origin === undefined) this.checkRpId(rpId);
    let credential: SoftCredential | undefined;
    if (overrides.credentialId !== undefined) {
      credential = this.find(overrides.credentialId);
    } else {
      const allowed = options.allowCredentials ?? [];
      credential = allowed.length > 0 ? allowed.map((c) => this.held.get(c.id)).find((c) => c !== undefined) : this.credentials.filter((c) => c.rpId === rpId).pop();
      if (!credential) throw new Error('SoftAuthenticator: NotAllowedError: no credential of this authenticator is allowed');
    }
    this.last = credential;
    if (overrides.counter !== undefined) credential.counter = overrides.counter;
    else if (this.countsSignatures) credential.counter += 1;

    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides);
    const authData = this.authenticatorData(overrides.rpId ?? rpId, credential.counter, overrides, 0);
    const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
    const signature = sign('sha256', signed, credential.privateKey); // ES256: ASN.1 DER, as WebAuthn wants
    if (overrides.tamperSignature) signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 0x01, signature.length - 1);
    return {
      id: credential.id,
      rawId: credential.id,
      response: {
        authenticatorData: b64url(authData),
        clientDataJSON: b64url(clientDataJSON),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: this.attachment(),
    };
  }

  private find(credentialId: string): SoftCredential {
    const credential = this.held.get(credentialId);
    if (!credential) throw new Error(`SoftAuthenticator: no credential ${credentialId}`);
    return credential;
  }

  /** A browser's rule: the RP id must be the origin's host or a registrable suffix of it. */
  private checkRpId(rpId: string): void {
    const host = new URL(this.origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) throw new Error(`SoftAuthenticator: SecurityError: RP id ${rpId} is not valid for ${this.origin}`);
  }

  /** CollectedClientData as browsers serialise it (WebAuthn section 5.8.1.1): this key order, no spaces. */
  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): Buffer {
    const data = {
      type: overrides.type ?? type,
      challenge: overrides.challenge ?? challenge,
      origin: overrides.origin ?? this.origin,
      crossOrigin: overrides.crossOrigin ?? false,
      ...(overrides.topOrigin === undefined ? {} : { topOrigin: overrides.topOrigin }),
    };
    return Buffer.from(JSON.stringify(data), 'utf8');
  }

  private authenticatorData(rpId: string, counter: number, overrides: CeremonyOverrides, extraFlags: number, attested = Buffer.alloc(0)): Buffer {
    const backup = overrides.backupEligible ?? this.backupEligible;
    let flags = extraFlags;
    if (overrides.userPresent ?? true) flags |= FLAG_UP;
    if (overrides.userVerified ?? this.userVerified) flags |= FLAG_UV;
    if (backup) flags |= FLAG_BE | FLAG_BS;
    const signCount = Buffer.alloc(4);
    signCount.writeUInt32BE(counter >>> 0);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), signCount, attested]);
  }

  private attachment(): 'platform' | 'cross-platform' {
    return this.transports.includes('internal') ? 'platform' : 'cross-platform';
  }
}

/** An EC2 P-256 public key as a COSE_Key (RFC 9053 section 7.1.1), CBOR-encoded. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const key = new Map<number, CBORValue>([
    [cose.COSEKEYS.kty, cose.COSEKTY.EC2],
    [cose.COSEKEYS.alg, cose.COSEALG.ES256],
    [cose.COSEKEYS.crv, cose.COSECRV.P256],
    [cose.COSEKEYS.x, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
    [cose.COSEKEYS.y, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
  ]);
  return Buffer.from(isoCBOR.encode(key));
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
