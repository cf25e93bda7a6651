// The mfakit demo page: plain DOM, no framework. Every message comes from the server's problem
// `detail` and is written with textContent, never as HTML.
'use strict';

const ACCESS_KEY = 'mfakit-demo.accessToken';
const SESSION_KEY = 'mfakit-demo.sessionToken';
const $ = (id) => document.getElementById(id);

let status = null; // the last GET /mfa answer
let enrollment = null; // { factorId, expiresAt } while an enrollment waits for its code
let recoveryCodes = []; // shown once, cleared on Continue
let pendingCall = null; // the API call a step-up challenge interrupted
let stepUpWithRecovery = false;

// ---- storage -------------------------------------------------------------------------------
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
const dateTime = (ms) => new Date(ms).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

// ---- HTTP ----------------------------------------------------------------------------------
/** Calls the API with the access and MFA session tokens; stores a new X-Session-Token if one comes back. */
async function api(method, path, { body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (accessToken()) h.Authorization = `Bearer ${accessToken()}`;
  if (sessionToken()) h['X-Session-Token'] = sessionToken();
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, statusText: '', data: null, problem: { detail: 'Could not reach the demo server. Is it still running?' } };
  }
  const issued = res.headers.get('X-Session-Token');
  if (issued) setSessionToken(issued);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  const answer = { ok: res.ok, status: res.status, statusText: res.statusText, data, headers: res.headers };
  answer.problem = res.ok ? null : data && typeof data === 'object' ? data : null;
  if (answer.problem?.code === 'authentication_required' && accessToken()) signedOut(problemText(answer));
  return answer;
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
  pendingCall = null;
  for (const id of ['whoami', 'status-section', 'enroll-section', 'codes-section', 'verify-section', 'api-section', 'stepup']) show(id, false);
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
  statusRow(list, 'MFA', s.exempt ? 'Not required: service account (exempt)' : 'Required for this account');
  if (s.exempt) statusRow(list, 'Protected routes', 'Open to this account without a second factor');
  else {
    statusRow(list, 'Authenticator', s.factors.length ? s.factors.map((f) => `${f.label}, added ${dateTime(f.createdAt)}`).join('; ') : 'None yet: set one up below');
    statusRow(list, 'Recovery codes left', s.enrolled ? `${s.recoveryCodesRemaining} of 10` : 'None yet');
    statusRow(
      list,
      'MFA session',
      s.session ? `Active: last verified at ${time(s.session.authTime)}, ends by ${time(s.session.expiresAt)} (or after 30 idle minutes)` : 'None',
    );
  }
  const showingCodes = recoveryCodes.length > 0;
  show('whoami', true);
  show('login-section', false);
  show('status-section', true);
  show('enroll-start', !s.exempt && !s.enrolled && !enrollment);
  show('end-session', Boolean(s.session));
  show('enroll-section', Boolean(enrollment) && !showingCodes);
  show('codes-section', showingCodes);
  show('verify-section', s.enrolled && !s.session && !showingCodes);
  show('api-section', !showingCodes);
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
$('enroll-start').addEventListener('click', async () => {
  const answer = await api('POST', '/mfa/totp');
  if (!answer.ok) return fail(problemText(answer));
  const { factorId, secret, qrCode, expiresAt } = answer.data;
  enrollment = { factorId, expiresAt };
  $('qr').src = qrCode;
  $('secret').textContent = secret.match(/.{1,4}/g).join(' ');
  $('enroll-expiry').textContent = `This setup lapses at ${time(expiresAt)} unless you confirm it.`;
  $('confirm-code').value = '';
  say('');
  renderStatus();
  $('confirm-code').focus();
});

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
  recoveryCodes = answer.data.recoveryCodes || [];
  const list = $('codes');
  list.replaceChildren(
    ...recoveryCodes.map((c) => {
      const li = document.createElement('li');
      li.textContent = c;
      return li;
    }),
  );
  $('codes-saved').checked = false;
  $('codes-done').disabled = true;
  $('result-summary').textContent = 'No request yet.';
  $('result').hidden = true;
  say('Your authenticator app is set up, and you are verified.');
  await refreshStatus();
});

// ---- recovery codes, shown once ------------------------------------------------------------
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

$('toggle-recovery').addEventListener('click', () => {
  const useRecovery = $('verify-recovery-form').hidden;
  show('verify-recovery-form', useRecovery);
  show('verify-code-form', !useRecovery);
  $('toggle-recovery').textContent = useRecovery ? 'Use a code from the app instead' : 'Lost your phone? Use a recovery code';
  $(useRecovery ? 'recovery-code' : 'verify-code').focus();
});

// ---- API calls and step-up -----------------------------------------------------------------
function showResult(label, answer) {
  const line = answer.status ? `${label}: HTTP ${answer.status} ${answer.statusText}` : `${label}: no answer`;
  $('result-summary').textContent = answer.ok ? line : `${line}. ${problemText(answer)}`;
  $('result').textContent = answer.data === null ? '' : JSON.stringify(answer.data, null, 2);
  $('result').hidden = answer.data === null;
  $('result').className = answer.ok ? 'ok' : 'bad';
}

function stepUpError(text) {
  $('stepup-error').textContent = text;
  $('stepup-error').hidden = !text;
}

/** Explains a refusal in words and, when a code would help, opens the inline code box. */
function handleRefusal(call, answer) {
  const code = answer.problem?.code;
  if (pendingCall && !$('stepup').hidden && (code === 'mfa_invalid_code' || code === 'mfa_locked')) {
    // A wrong code (or the lock it caused) in the step-up box: say so there, and let the person try again.
    stepUpError(problemText(answer));
    $('stepup-code').value = '';
    $('stepup-code').focus();
    return;
  }
  if (code === 'mfa_stale' || code === 'mfa_required') {
    let title;
    let reason;
    if (code === 'mfa_stale') {
      title = `${call.label} needs a fresh proof (step-up).`;
      const last = status?.session ? ` Your last verification was at ${time(status.session.authTime)}.` : '';
      reason = `${problemText(answer)}${last} Enter the code your authenticator app shows now, and the request is sent again with it.`;
    } else {
      title = `${call.label} needs multi-factor authentication.`;
      reason = `${problemText(answer)} You have no active MFA session: it was ended, it lapsed, or none was opened yet. Enter a code, and the request is sent again with it.`;
    }
    pendingCall = call;
    setStepUpMode(false);
    stepUpError('');
    say('');
    $('error').hidden = true;
    $('stepup-title').textContent = title;
    $('stepup-reason').textContent = reason;
    $('stepup-code').value = '';
    show('stepup', true);
    $('stepup-code').focus();
    return;
  }
  show('stepup', false);
  if (code === 'mfa_enrollment_required') fail(`${problemText(answer)} Use the "Set up authenticator app" button in "Your MFA status".`);
  else fail(problemText(answer));
}

async function call(label, method, path, body, headers) {
  const answer = await api(method, path, { body, headers });
  showResult(label, answer);
  if (answer.ok) {
    show('stepup', false);
    pendingCall = null;
    say(headers && headers['X-MFA-Token'] ? `Code accepted: ${label} succeeded, and your MFA session was renewed.` : `${label} succeeded.`);
  } else if (answer.problem?.code !== 'authentication_required') {
    handleRefusal({ label, method, path, body }, answer);
  }
  if (accessToken()) await refreshStatus();
  return answer;
}

$('call-profile').addEventListener('click', () => call('GET /api/profile', 'GET', '/api/profile'));

$('transfer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  call('POST /api/transfers', 'POST', '/api/transfers', { amount: Number($('amount').value), to: $('to').value.trim() });
});

function setStepUpMode(recovery) {
  stepUpWithRecovery = recovery;
  $('stepup-label').textContent = recovery ? 'One of your recovery codes (each works once)' : '6-digit code from your authenticator app';
  $('stepup-code').inputMode = recovery ? 'text' : 'numeric';
  $('stepup-code').placeholder = recovery ? 'XXXX-XXXX-XXXX-XXXX' : '';
  $('stepup-code').classList.toggle('wide', recovery);
  $('stepup-toggle').textContent = recovery ? 'Use a code from the app instead' : 'Use a recovery code instead';
}

$('stepup-toggle').addEventListener('click', () => {
  setStepUpMode(!stepUpWithRecovery);
  stepUpError('');
  $('stepup-code').value = '';
  $('stepup-code').focus();
});

$('stepup-cancel').addEventListener('click', () => {
  pendingCall = null;
  show('stepup', false);
  say('');
});

$('stepup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!pendingCall) return;
  const { label, method, path, body } = pendingCall;
  const entered = $('stepup-code').value.trim();
  if (stepUpWithRecovery) {
    // X-MFA-Token carries app codes only: verify the recovery code first, then retry with the new session.
    const answer = await api('POST', '/mfa/verify', { body: { recoveryCode: entered } });
    if (!answer.ok) return stepUpError(problemText(answer));
    setSessionToken(answer.data.sessionToken);
    await call(label, method, path, body);
    return;
  }
  await call(label, method, path, body, { 'X-MFA-Token': entered.replace(/\s/g, '') });
});

// ---- start ---------------------------------------------------------------------------------
if (accessToken()) refreshStatus();
