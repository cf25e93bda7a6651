// The mfakit demo page: plain DOM, no framework. Every message comes from the server's problem
// `detail` and is written with textContent, never as HTML. This file signs in, shows the status,
// sets up an authenticator app and verifies; every call goes through @mfakit/client (see `api`);
// actions.js runs what may need a fresh proof (API calls, adding a passkey, removing a factor) and
// answers the client's prompts in the challenge box; passkeys.js runs the browser's passkey
// prompt; payees.js, oob.js, inbox.js and admin.js add payees, codes by email or SMS, the demo's
// outbox and notifications, and the administrators' panel, as `panels`.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

const ACCESS_KEY = 'mfakit-demo.accessToken';
const SESSION_KEY = 'mfakit-demo.sessionToken';
const $ = (id) => document.getElementById(id);

let status = null; // the last GET /mfa answer
let enrollment = null; // { factorId, expiresAt } while an enrollment waits for its code
let recoveryCodes = []; // shown once, cleared on Continue

/**
 * The page's other parts (oob.js, inbox.js, admin.js) register here: `render(status)` runs each
 * time the status is drawn, `refresh()` (async) each time it is fetched again, which every action
 * ends with, and `reset()` on sign-out.
 */
const panels = [];
const refreshPanels = () => Promise.all(panels.map((panel) => panel.refresh?.()));

/** How the page names each kind of factor: in the list, and inside a sentence. */
const KINDS = {
  totp: { name: 'Authenticator app', noun: 'authenticator app' },
  hotp: { name: 'Hardware token', noun: 'hardware token' },
  webauthn: { name: 'Passkey', noun: 'passkey' },
  email: { name: 'Email', noun: 'email address' }, // kind 'oob', channel 'email'
  sms: { name: 'SMS', noun: 'phone number' }, // kind 'oob', channel 'sms'
};
const kindKey = (factor) => (factor.kind === 'oob' ? factor.channel : factor.kind);
const kindOf = (factor) => KINDS[kindKey(factor)] || { name: factor.kind, noun: factor.kind };
/** "passkey 'MacBook Touch ID'", "email address a***@example.com", or "your authenticator app" when the label only repeats the kind. */
function factorName(factor) {
  const kind = kindOf(factor);
  if (factor.kind === 'oob') return `${kind.noun} ${factor.hint}`;
  return factor.label.toLowerCase() === kind.noun ? `your ${kind.noun}` : `${kind.noun} '${factor.label}'`;
}
/** What made a proof, from its factor id ('recovery' for a recovery code). */
function proofName(factorId) {
  if (factorId === 'recovery') return 'a recovery code';
  const factor = status?.factors.find((f) => f.id === factorId);
  return factor ? factorName(factor) : 'a factor that has since been removed';
}
/** True when the signed-in user has a factor of one of these kinds ('oob' for email or SMS). */
const hasKind = (...kinds) => Boolean(status?.factors.some((f) => kinds.includes(f.kind)));
/** The user's email and SMS factors. */
// biome-ignore lint/correctness/noUnusedVariables: read by oob.js: classic scripts share the page's global scope
const oobFactors = () => (status ? status.factors.filter((f) => f.kind === 'oob') : []);
/** A service account: exempt by the server's configuration, for good (not by an administrator, for a while). */
const isServiceAccount = (s) => s.exempt && !s.exemption;

// ---- storage -------------------------------------------------------------------------------
// The access token, and the MFA session token: the store of @mfakit/client (its `session`
// option, see actions.js), which sends it as X-Session-Token and replaces it after a step-up; the
// page writes it too when an enrollment or a verification opens a session.
const accessToken = () => sessionStorage.getItem(ACCESS_KEY);
const sessionToken = () => sessionStorage.getItem(SESSION_KEY);
function setSessionToken(token) {
  if (token) sessionStorage.setItem(SESSION_KEY, token);
  else sessionStorage.removeItem(SESSION_KEY);
}

// ---- messages ------------------------------------------------------------------------------
function say(text) {
  $('error').hidden = true;
  $('notice').textContent = text;
  $('notice').hidden = !text;
}
function fail(text) {
  $('notice').hidden = true;
  $('error').textContent = text;
  $('error').hidden = !text;
}
function problemText(answer) {
  const p = answer.problem || {};
  return p.detail || p.title || `The server answered ${answer.status} ${answer.statusText}.`;
}
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const hourMinute = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const dateTime = (ms) => new Date(ms).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
/** "14:05" today, else "3 Dec 2026, 14:05". */
// biome-ignore lint/correctness/noUnusedVariables: read by inbox.js and admin.js: classic scripts share the page's global scope
const when = (ms) => (new Date(ms).toDateString() === new Date().toDateString() ? hourMinute(ms) : dateTime(ms));

// ---- HTTP ----------------------------------------------------------------------------------
/** The action of a call the person did not ask for (the status, the account routes): none is challenged, but if one were, the box would open in the API card. */
const backgroundCall = (method, path) => ({ label: `${method} ${path}`, slot: () => $('api-challenge-slot') });

/**
 * Calls the server through @mfakit/client (`mfaFetch` of actions.js): with the access token, the
 * MFA session the client holds, and, if the server asks for a (fresher) proof, the challenge box
 * opened for `action`. Resolves to `{ ok, status, statusText, data, problem }`; a step-up that
 * could not be completed (cancelled, a wrong code too often, a lock) is a refusal too, its
 * problem made of the client's error: `code` and `detail` in words.
 */
async function api(method, path, { body, action = backgroundCall(method, path) } = {}) {
  const headers = { Accept: 'application/json' };
  if (accessToken()) headers.Authorization = `Bearer ${accessToken()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    if (!window.MfaClient) throw new TypeError('the page could not load /vendor/mfakit-client.js');
    res = await mfaFetch(action)(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    return notAnswered(err);
  } finally {
    closeChallenge(action); // if the box was opened for this call, the call has ended
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  const answer = { ok: res.ok, status: res.status, statusText: res.statusText, data };
  answer.problem = res.ok ? null : data && typeof data === 'object' ? data : null;
  if (answer.problem?.code === 'authentication_required' && accessToken()) signedOut(problemText(answer));
  return answer;
}

/** A call that ended without the server's last word: the client's error (a step-up not completed), or no connection. */
function notAnswered(err) {
  if (err instanceof TypeError) {
    return { ok: false, status: 0, statusText: '', data: null, problem: { detail: `Could not reach the demo server (${err.message}). Is it still running?` } };
  }
  if (!(err instanceof MfaClient.MfaClientError)) throw err;
  const answer = { ok: false, status: err.status ?? 0, statusText: '', data: err.problem ?? null, problem: { code: err.code, detail: clientErrorText(err) } };
  if (err.code === 'authentication_required' && accessToken()) signedOut(answer.problem.detail);
  return answer;
}

/** An error of @mfakit/client in words: the server's own `detail` where there is one. */
function clientErrorText(err) {
  if (err.code === 'cancelled') return 'Cancelled: no proof was given, so nothing was done.';
  if (err.code === 'passkey_failed') return passkeys.errorText(err.cause);
  if (err.code === 'passkey_unavailable') return passkeys.unavailableReason() || 'Passkeys cannot be used on this page.';
  return err.detail || `The step-up could not be completed (${err.code}).`;
}

// ---- views ---------------------------------------------------------------------------------
function show(id, visible) {
  $(id).hidden = !visible;
}

function signedOut(message) {
  sessionStorage.removeItem(ACCESS_KEY);
  setSessionToken(null);
  status = null;
  enrollment = null;
  recoveryCodes = [];
  closeChallenge(); // a prompt still open is given up: its action ends as cancelled
  removing = null;
  $('passkey-error').hidden = true;
  for (const id of ['whoami', 'status-section', 'passkey-section', 'enroll-section', 'codes-section', 'verify-section', 'api-section']) show(id, false);
  for (const panel of panels) panel.reset?.();
  show('login-section', true);
  $('result').hidden = true;
  $('result-summary').textContent = 'No request yet.';
  if (message) fail(message);
}

function statusRow(list, term, value) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  list.append(dt, dd);
}

function renderStatus() {
  const s = status;
  $('who').textContent = s.userId;
  const list = $('status-list');
  list.replaceChildren();
  const service = isServiceAccount(s);
  statusRow(list, 'MFA', mfaText(s));
  if (s.exemption) statusRow(list, 'Why exempt', s.exemption.reason);
  if (service) statusRow(list, 'Protected routes', 'Open to this account without a second factor');
  else {
    if (!s.enrolled) statusRow(list, 'Factors', 'None yet: set up an authenticator app, add a passkey, or get codes by email or SMS');
    if (s.enrollBy) statusRow(list, 'Set up a factor by', `${dateTime(s.enrollBy)}. Until then protected routes let you in without one; after that they refuse until you have one.`);
    statusRow(list, 'Recovery codes left', s.enrolled ? `${s.recoveryCodesRemaining} of 10` : 'None yet');
    statusRow(list, 'MFA session', sessionText(s.session));
  }
  renderFactors();
  const showingCodes = recoveryCodes.length > 0;
  const withCode = hasKind('totp', 'hotp');
  const withPasskey = hasKind('webauthn');
  show('whoami', true);
  show('login-section', false);
  show('status-section', true);
  show('enroll-start', !service && !withCode && !enrollment);
  show('end-session', Boolean(s.session));
  show('passkey-section', !service && !enrollment && !showingCodes);
  $('passkey-unsupported').textContent = passkeys.unavailableReason();
  show('passkey-unsupported', Boolean($('passkey-unsupported').textContent));
  show('passkey-form', !$('passkey-unsupported').textContent);
  show('enroll-section', Boolean(enrollment) && !showingCodes);
  show('codes-section', showingCodes);
  show('verify-section', s.enrolled && !s.session && !showingCodes);
  for (const id of ['verify-code-label', 'verify-code', 'verify-code-submit']) show(id, withCode);
  show('verify-code-form', (withCode || withPasskey) && $('verify-recovery-form').hidden);
  $('verify-code').required = withCode;
  show('verify-or', withCode && withPasskey);
  show('verify-passkey', withPasskey);
  show('api-section', !showingCodes);
  for (const panel of panels) panel.render?.(s);
}

/** The status's first line: required, optional, exempt for a while (by an administrator), or a service account. */
function mfaText(s) {
  if (s.exemption) return `Exempt until ${dateTime(s.exemption.expiresAt)}: an administrator excused this account from MFA until then`;
  if (s.exempt) return 'Not required: service account (exempt)';
  return s.required ? 'Required for this account' : 'Optional for this account';
}

/** "Verified with passkey 'MacBook Touch ID' at 10:03; ends by 22:03 (or after 30 idle minutes)". */
function sessionText(session) {
  if (!session) return 'None';
  return `Verified with ${proofName(session.factorId)} at ${hourMinute(session.authTime)}; ends by ${hourMinute(session.expiresAt)} (or after 30 idle minutes)`;
}

async function refreshStatus() {
  const answer = await api('GET', '/mfa');
  if (!answer.ok) {
    if (accessToken()) fail(problemText(answer));
    return;
  }
  status = answer.data;
  if (!status.session && sessionToken()) setSessionToken(null); // lapsed or ended: drop it
  renderStatus();
  await refreshPanels();
}

// ---- sign in and out -----------------------------------------------------------------------
$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await api('POST', '/auth/login', { body: { username: $('username').value.trim(), password: $('password').value } });
  if (!answer.ok) return fail(problemText(answer));
  sessionStorage.setItem(ACCESS_KEY, answer.data.accessToken);
  setSessionToken(null);
  $('password').value = '';
  say('');
  await refreshStatus();
});

for (const button of document.querySelectorAll('[data-user]')) {
  button.addEventListener('click', () => {
    $('username').value = button.dataset.user;
    $('password').value = `${button.dataset.user}-password`;
    $('password').focus();
  });
}

$('logout').addEventListener('click', async () => {
  if (sessionToken()) await api('DELETE', '/mfa/session');
  signedOut('');
  say('You are signed out.');
});

$('refresh-status').addEventListener('click', () => refreshStatus());

$('end-session').addEventListener('click', async () => {
  const answer = await api('DELETE', '/mfa/session');
  if (!answer.ok) return fail(problemText(answer));
  setSessionToken(null);
  say('The MFA session has ended. Verify again to use protected routes.');
  await refreshStatus();
});

// ---- enrollment ----------------------------------------------------------------------------
/** Shows a started TOTP enrollment: the QR code, the setup key, the code box. */
// biome-ignore lint/correctness/noUnusedVariables: read by actions.js: classic scripts share the page's global scope
function showEnrollment(data) {
  const { factorId, secret, qrCode, expiresAt } = data;
  enrollment = { factorId, expiresAt };
  $('qr').src = qrCode;
  $('secret').textContent = secret.match(/.{1,4}/g).join(' ');
  $('enroll-expiry').textContent = `This setup lapses at ${time(expiresAt)} unless you confirm it.`;
  $('confirm-code').value = '';
  say('');
  renderStatus();
  $('confirm-code').focus();
}

$('enroll-start').addEventListener('click', () => attempt(enrollTotpAction));

$('enroll-cancel').addEventListener('click', () => {
  enrollment = null;
  $('qr').removeAttribute('src');
  $('secret').textContent = '';
  say('');
  renderStatus();
});

$('confirm-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = $('confirm-code').value.replace(/\s/g, '');
  const answer = await api('POST', `/mfa/totp/${encodeURIComponent(enrollment.factorId)}/confirm`, { body: { code } });
  if (!answer.ok) return fail(problemText(answer));
  enrollment = null;
  $('qr').removeAttribute('src');
  $('secret').textContent = '';
  setSessionToken(answer.data.session.sessionToken);
  showRecoveryCodes(answer.data.recoveryCodes);
  say('Your authenticator app is set up, and you are verified.');
  await refreshStatus();
});

// ---- recovery codes, shown once ------------------------------------------------------------
/** Keeps the codes a first factor came with (none for a further factor) for the next render. */
function showRecoveryCodes(codes) {
  recoveryCodes = codes || [];
  $('codes').replaceChildren(
    ...recoveryCodes.map((c) => {
      const li = document.createElement('li');
      li.textContent = c;
      return li;
    }),
  );
  $('codes-saved').checked = false;
  $('codes-done').disabled = true;
  if (recoveryCodes.length > 0) {
    $('result-summary').textContent = 'No request yet.';
    $('result').hidden = true;
  }
}

function codesText() {
  const who = status ? status.userId : '';
  return [`mfakit demo: recovery codes for ${who}`, `Saved ${new Date().toLocaleString()}. Each code works once.`, '', ...recoveryCodes, ''].join('\n');
}

$('codes-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(codesText());
    say('Copied all 10 recovery codes to the clipboard. Paste them somewhere safe.');
  } catch {
    fail('The browser did not allow copying. Select the codes and copy them by hand, or download them.');
  }
});

$('codes-download').addEventListener('click', () => {
  const url = URL.createObjectURL(new Blob([codesText()], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `mfakit-demo-recovery-codes-${status ? status.userId : 'user'}.txt`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  say('Downloaded the recovery codes as a text file.');
});

$('codes-saved').addEventListener('change', () => {
  $('codes-done').disabled = !$('codes-saved').checked;
});

$('codes-done').addEventListener('click', () => {
  recoveryCodes = [];
  $('codes').replaceChildren();
  say('');
  renderStatus();
});

// ---- verification --------------------------------------------------------------------------
async function verify(body, successMessage) {
  const answer = await api('POST', '/mfa/verify', { body });
  if (!answer.ok) {
    fail(problemText(answer));
    return false;
  }
  setSessionToken(answer.data.sessionToken);
  const left = answer.data.recoveryCodesRemaining;
  say(left === undefined ? successMessage : `${successMessage} That recovery code is now used up; ${left} left.`);
  await refreshStatus();
  return true;
}

$('verify-code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (await verify({ code: $('verify-code').value.replace(/\s/g, '') }, 'Verified.')) $('verify-code').value = '';
});

$('verify-recovery-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (await verify({ recoveryCode: $('recovery-code').value.trim() }, 'Verified with a recovery code.')) $('recovery-code').value = '';
});

/**
 * Proves a passkey: new options from the server, the browser's prompt, the server's check. On
 * success the new MFA session is kept and its answer returned as `{ verified }`; else `{ error }`.
 */
async function passkeyProof() {
  const options = await api('POST', '/mfa/webauthn/authentication/options');
  if (!options.ok) return { error: problemText(options) };
  const { response, error } = await passkeys.prompt('get', options.data);
  if (error) return { error };
  const answer = await api('POST', '/mfa/webauthn/authentication', { body: { response } });
  if (!answer.ok) return { error: problemText(answer) };
  setSessionToken(answer.data.sessionToken);
  return { verified: answer.data };
}

$('verify-passkey').addEventListener('click', async () => {
  $('verify-passkey').disabled = true;
  try {
    const { verified, error } = await passkeyProof();
    if (error) return fail(error);
    say(`Verified with ${proofName(verified.factorId)}.`);
    await refreshStatus();
  } finally {
    $('verify-passkey').disabled = false;
  }
});

$('toggle-recovery').addEventListener('click', () => {
  const useRecovery = $('verify-recovery-form').hidden;
  show('verify-recovery-form', useRecovery);
  show('verify-code-form', !useRecovery && hasKind('totp', 'hotp', 'webauthn'));
  show('verify-oob', !useRecovery);
  const ways = [];
  if (hasKind('totp', 'hotp')) ways.push('a code from the app');
  if (hasKind('webauthn')) ways.push('a passkey');
  if (hasKind('oob')) ways.push('a code by email or SMS');
  const back = `Use ${ways.slice(0, -1).join(', ')}${ways.length > 1 ? ' or ' : ''}${ways[ways.length - 1] || 'another factor'} instead`;
  $('toggle-recovery').textContent = useRecovery ? back : 'Lost your phone or passkey? Use a recovery code';
  const next = useRecovery ? $('recovery-code') : hasKind('totp', 'hotp') ? $('verify-code') : $('verify-section').querySelector('button:not([hidden])');
  next?.focus();
});
