// Passkeys on the demo page: a thin layer over @simplewebauthn/browser, which the demo serves
// itself at /vendor/simplewebauthn-browser.js (window.SimpleWebAuthnBrowser). It runs the
// browser's WebAuthn prompt, for the page and for @mfakit/client's step-ups, and turns the
// browser's errors into sentences. Loaded before app.js.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

// biome-ignore lint/correctness/noUnusedVariables: read by app.js and actions.js: classic scripts share the page's global scope
const passkeys = (() => {
  const lib = window.SimpleWebAuthnBrowser;

  // The DOMException names that navigator.credentials.create() and .get() throw
  // (WebAuthn Level 3, sections 5.1.3 and 5.1.4), in the words a person needs.
  const BROWSER_ERRORS = {
    NotAllowedError: 'The passkey prompt was cancelled or timed out.',
    AbortError: 'The passkey prompt was cancelled.',
    InvalidStateError: 'This authenticator already holds a passkey for this account. Use another device or security key.',
    NotSupportedError: 'This browser or authenticator cannot make the kind of passkey the server asks for.',
    ConstraintError: 'This authenticator cannot check who you are (no PIN, fingerprint or face), which the server asks for.',
  };
  const UNAVAILABLE = 'PasskeysUnavailable'; // the error of startAuthentication where passkeys cannot work

  /** Why passkeys cannot be used on this page, or '' when they can. */
  function unavailableReason() {
    if (!lib) return 'Passkeys are unavailable: the page could not load /vendor/simplewebauthn-browser.js.';
    if (!lib.browserSupportsWebAuthn()) {
      return window.isSecureContext
        ? 'This browser does not support passkeys.'
        : `Passkeys need a secure page: open the demo at http://localhost:${location.port || '80'} or over https, not ${location.origin}.`;
    }
    return '';
  }

  /** The sentence to show for an error of the browser's passkey prompt. */
  function errorText(err) {
    const name = err?.name;
    if (name === UNAVAILABLE) return err.message;
    if (name === 'SecurityError') {
      return `This address (${location.origin}) cannot use passkeys for this server. Open the demo at http://localhost:${location.port || '80'} (not 127.0.0.1), or set WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS to match it.`;
    }
    if (BROWSER_ERRORS[name]) return BROWSER_ERRORS[name];
    return `The passkey prompt failed${err?.message ? `: ${err.message}` : '.'}`;
  }

  /**
   * Runs the browser's prompt for the server's options: `create` makes a new passkey (registration),
   * `get` proves an existing one (authentication). Resolves to `{ response }` to send back to the
   * server, or `{ error }`, a sentence.
   */
  async function prompt(ceremony, optionsJSON) {
    const unavailable = unavailableReason();
    if (unavailable) return { error: unavailable };
    try {
      const response = ceremony === 'create' ? await lib.startRegistration({ optionsJSON }) : await lib.startAuthentication({ optionsJSON });
      return { response };
    } catch (err) {
      return { error: errorText(err) };
    }
  }

  /**
   * `startAuthentication` for @mfakit/client (its option of that name): the browser's prompt for
   * the server's options, or an error saying why passkeys cannot work on this page. The client
   * passes what it throws on as the `cause` of its `passkey_failed` error.
   */
  function startAuthentication(options) {
    const unavailable = unavailableReason();
    if (unavailable) return Promise.reject(Object.assign(new Error(unavailable), { name: UNAVAILABLE }));
    return lib.startAuthentication(options);
  }

  return { unavailableReason, errorText, prompt, startAuthentication };
})();
