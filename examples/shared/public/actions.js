// What may need a (fresh) MFA proof: the API calls (GET /api/profile, the step-up route POST
// /api/transfers), adding a passkey, setting up an authenticator app next to a passkey, and
// removing a factor. A 401 mfa_stale or mfa_required opens the challenge box next to the action;
// a code from the app, a code sent by email or SMS, a recovery code or a passkey answers it, and
// the action runs again. Loaded after app.js.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

let pending = null; // the action the challenge box is open for
let challengeMode = 'code'; // 'code' (X-MFA-Token), 'recovery' or 'oob' (POST /mfa/verify first) or 'passkey' (its button only)
let challengeSent = null; // in 'oob' mode, once a code was sent: { factorId, hint, channel, expiresAt }
let removing = null; // the id of the factor whose removal waits for "Remove it"

/**
 * Runs an action. `run(headers)` makes its requests and returns the server's answer, or null when
 * it ended on its own (a cancelled passkey prompt); `done(answer, how)` shows a success, `how`
 * being the proof that answered a challenge ('code', 'passkey', 'recovery code') if any;
 * `slot()` is the element the challenge box goes into.
 */
async function attempt(action, headers = {}, how = '') {
  const answer = await action.run(headers);
  if (answer?.ok) {
    closeChallenge();
    await action.done(answer, how);
  } else if (answer && answer.problem?.code !== 'authentication_required') {
    refused(action, answer);
  }
  if (accessToken()) await refreshStatus();
  return answer;
}

/** Explains a refusal in words and, when a proof would help, opens the challenge box. */
function refused(action, answer) {
  const code = answer.problem?.code;
  if (pending === action && !$('stepup').hidden && (code === 'mfa_invalid_code' || code === 'mfa_locked')) {
    // A wrong code (or the lock it caused) in the challenge box: say so there, and let the person try again.
    challengeError(problemText(answer));
    $('stepup-code').value = '';
    $('stepup-code').focus();
    return;
  }
  if (code === 'mfa_stale' || code === 'mfa_required') return openChallenge(action, answer);
  closeChallenge();
  const report = action.fail || fail;
  if (code === 'mfa_enrollment_required') report(`${problemText(answer)} Set up an authenticator app, add a passkey, or get codes by email or SMS.`);
  else report(problemText(answer));
}

// ---- the challenge box ---------------------------------------------------------------------
function openChallenge(action, answer) {
  const found = [];
  if (hasKind('totp', 'hotp')) found.push('enter the code your authenticator app shows now');
  if (hasKind('webauthn')) found.push('use your passkey');
  if (hasKind('oob')) found.push('have a code sent by email or SMS');
  const listed = found.length > 1 ? `${found.slice(0, -1).join(', ')} or ${found[found.length - 1]}` : found[0] || 'enter one of your recovery codes';
  const ways = `${listed[0].toUpperCase()}${listed.slice(1)}${found.length > 0 && !hasKind('totp', 'hotp') ? ' (or use a recovery code)' : ''}`;
  let title;
  let reason;
  if (answer.problem.code === 'mfa_stale') {
    title = `${action.label} needs a fresh proof (step-up).`;
    const last = status?.session ? ` Your last verification was at ${time(status.session.authTime)}.` : '';
    reason = `${action.staleText || problemText(answer)}${last} ${ways}, and it is tried again.`;
  } else {
    title = `${action.label} needs multi-factor authentication.`;
    reason = `${problemText(answer)} You have no active MFA session: it was ended, it lapsed, or none was opened yet. ${ways}, and it is tried again.`;
  }
  pending = action;
  action.slot().append($('stepup'));
  setChallengeMode(defaultChallengeMode());
  challengeError('');
  say('');
  $('stepup-title').textContent = title;
  $('stepup-reason').textContent = reason;
  show('stepup', true);
  (challengeMode === 'passkey' ? $('stepup-passkey') : $('stepup-code')).focus();
}

/** An app code where the user has an app, else the passkey, else a code by email or SMS, else a recovery code. */
function defaultChallengeMode() {
  if (hasKind('totp', 'hotp')) return 'code';
  if (hasKind('webauthn')) return 'passkey';
  return hasKind('oob') ? 'oob' : 'recovery';
}

function closeChallenge() {
  pending = null;
  challengeSent = null;
  show('stepup', false);
  challengeError('');
}

function challengeError(text) {
  $('stepup-error').textContent = text;
  $('stepup-error').hidden = !text;
}

function setChallengeMode(mode) {
  challengeMode = mode;
  if (mode !== 'oob') challengeSent = null;
  const recovery = mode === 'recovery';
  const withCode = hasKind('totp', 'hotp');
  const withPasskey = hasKind('webauthn');
  const withOob = hasKind('oob');
  show('stepup-form', mode === 'code' || recovery || (mode === 'oob' && Boolean(challengeSent)));
  $('stepup-label').textContent = recovery
    ? 'One of your recovery codes (each works once)'
    : mode === 'oob' && challengeSent
      ? `6-digit code sent to ${challengeSent.hint}`
      : '6-digit code from your authenticator app';
  $('stepup-code').inputMode = recovery ? 'text' : 'numeric';
  $('stepup-code').placeholder = recovery ? 'XXXX-XXXX-XXXX-XXXX' : '';
  $('stepup-code').classList.toggle('wide', recovery);
  $('stepup-code').value = '';
  $('stepup-submit').textContent = recovery ? 'Retry with this recovery code' : 'Retry with this code';
  // The passkey button: the main way for a user without an app, an alternative otherwise.
  show('stepup-passkey', withPasskey);
  $('stepup-passkey').className = mode === 'passkey' ? '' : 'secondary';
  $('stepup-passkey').textContent = withCode ? 'Use a passkey instead' : 'Use your passkey';
  // "Send a code to a***@example.com": the main way in 'oob' mode, an alternative in the others.
  const sendButtons = recovery
    ? []
    : oobFactors().map((factor) => {
        const again = challengeSent?.factorId === factor.id;
        const node = button(again ? `Send a new code to ${factor.hint}` : `Send a code to ${factor.hint}`, mode === 'oob' && !challengeSent ? '' : 'secondary', () => sendChallengeCode(factor));
        return node;
      });
  $('stepup-oob').replaceChildren(...sendButtons);
  show('stepup-oob', sendButtons.length > 0);
  show('stepup-oob-sent', mode === 'oob' && Boolean(challengeSent));
  $('stepup-oob-sent').textContent = challengeSent ? `Sent at ${hourMinute(Date.now())}; it works until ${hourMinute(challengeSent.expiresAt)}, once. In this demo, find it in the Demo outbox.` : '';
  show('stepup-toggle', !recovery || withCode || withOob);
  $('stepup-toggle').textContent = recovery ? (withCode ? 'Use a code from the app instead' : withOob ? 'Use a code by email or SMS instead' : '') : 'Use a recovery code instead';
}

/** Sends a code to an email or SMS factor for the challenge box, which then asks for it. */
async function sendChallengeCode(factor) {
  const answer = await api('POST', '/mfa/challenge', { body: { factorId: factor.id } });
  if (!answer.ok) return challengeError(problemText(answer));
  challengeSent = { factorId: factor.id, hint: answer.data.hint, channel: answer.data.channel, expiresAt: answer.data.expiresAt };
  challengeError('');
  setChallengeMode('oob');
  $('stepup-code').focus();
  await refreshPanels(); // the outbox shows the new code
}

$('stepup-toggle').addEventListener('click', () => {
  setChallengeMode(challengeMode === 'recovery' ? defaultChallengeMode() : 'recovery');
  challengeError('');
  (challengeMode === 'passkey' ? $('stepup-passkey') : $('stepup-code')).focus();
});

$('stepup-cancel').addEventListener('click', () => {
  const action = pending;
  closeChallenge();
  if (action?.cancel) action.cancel();
  say('');
});

$('stepup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const action = pending;
  if (!action) return;
  const entered = $('stepup-code').value.trim();
  if (challengeMode === 'recovery' || challengeMode === 'oob') {
    // X-MFA-Token carries app codes only: verify a recovery code or a sent code first, then retry with the new session.
    const sent = challengeSent;
    const body = sent ? { factorId: sent.factorId, code: entered.replace(/\s/g, '') } : { recoveryCode: entered };
    const answer = await api('POST', '/mfa/verify', { body });
    if (!answer.ok) return challengeError(problemText(answer));
    setSessionToken(answer.data.sessionToken);
    await attempt(action, {}, sent ? `code by ${sent.channel === 'sms' ? 'SMS' : 'email'}` : 'recovery code');
    return;
  }
  await attempt(action, { 'X-MFA-Token': entered.replace(/\s/g, '') }, 'code');
});

$('stepup-passkey').addEventListener('click', async () => {
  const action = pending;
  if (!action) return;
  $('stepup-passkey').disabled = true;
  try {
    const { error } = await passkeyProof();
    if (error) return challengeError(error);
    await attempt(action, {}, 'passkey');
  } finally {
    $('stepup-passkey').disabled = false;
  }
});

// ---- API calls -----------------------------------------------------------------------------
function showResult(label, answer) {
  const line = answer.status ? `${label}: HTTP ${answer.status} ${answer.statusText}` : `${label}: no answer`;
  $('result-summary').textContent = answer.ok ? line : `${line}. ${problemText(answer)}`;
  $('result').textContent = answer.data === null ? '' : JSON.stringify(answer.data, null, 2);
  $('result').hidden = answer.data === null;
  $('result').className = answer.ok ? 'ok' : 'bad';
}

function apiAction(label, method, path, body) {
  return {
    label,
    slot: () => $('api-challenge-slot'),
    async run(headers) {
      const answer = await api(method, path, { body, headers });
      showResult(label, answer);
      return answer;
    },
    done(_answer, how) {
      const proof = how && `${how[0].toUpperCase()}${how.slice(1)} accepted: `;
      say(proof ? `${proof}${label} succeeded, and your MFA session was renewed.` : `${label} succeeded.`);
    },
  };
}

$('call-profile').addEventListener('click', () => attempt(apiAction('GET /api/profile', 'GET', '/api/profile')));

$('transfer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(apiAction('POST /api/transfers', 'POST', '/api/transfers', { amount: Number($('amount').value), to: $('to').value.trim() }));
});

// ---- adding factors ------------------------------------------------------------------------
/** Registers a passkey: options (a fresh proof if the user has a factor), the browser's prompt, the server's check. */
function addPasskeyAction(label) {
  return {
    label: 'Adding a passkey',
    slot: () => $('passkey-challenge-slot'),
    async run(headers) {
      const options = await api('POST', '/mfa/webauthn/registration/options', { headers });
      if (!options.ok) return options;
      const { response, error } = await passkeys.prompt('create', options.data);
      if (error) {
        closeChallenge();
        passkeyError(error);
        return null;
      }
      return api('POST', '/mfa/webauthn/registration', { body: { response, label } });
    },
    fail: passkeyError,
    done(answer) {
      const { factor, session, recoveryCodes: codes } = answer.data;
      setSessionToken(session.sessionToken);
      passkeyError('');
      $('passkey-label').value = '';
      showRecoveryCodes(codes);
      say(`Passkey '${factor.label}' added, and you are verified with it.${codes ? ' Save your recovery codes now.' : ''}`);
    },
  };
}

/** An error of adding a passkey, shown in the passkey card, where the person is looking. */
function passkeyError(text) {
  say('');
  $('passkey-error').textContent = text;
  $('passkey-error').hidden = !text;
}

$('passkey-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  passkeyError('');
  $('passkey-add').disabled = true;
  try {
    await attempt(addPasskeyAction($('passkey-label').value.trim()));
  } finally {
    $('passkey-add').disabled = false;
  }
});

/** Starts TOTP enrollment; next to a passkey it needs a fresh proof. */
// biome-ignore lint/correctness/noUnusedVariables: read by app.js: classic scripts share the page's global scope
const enrollTotpAction = {
  label: 'Setting up an authenticator app',
  slot: () => $('factors-challenge-slot'),
  run: (headers) => api('POST', '/mfa/totp', { headers }),
  done: (answer) => showEnrollment(answer.data),
};

// ---- the factor list and removal -----------------------------------------------------------
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className, onClick) {
  const node = element('button', className, text);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

function removeAction(factor) {
  return {
    label: `Removing ${factorName(factor)}`,
    // Inside the factor's "Remove it?" box, while the list shows it.
    slot: () => $('factor-list').querySelector(`li[data-factor-id="${CSS.escape(factor.id)}"] .confirm`) || $('factors-challenge-slot'),
    run: (headers) => api('DELETE', `/mfa/factors/${encodeURIComponent(factor.id)}`, { headers }),
    done() {
      removing = null;
      say(`Removed ${factorName(factor)}. It can no longer be used to verify.`);
    },
    cancel() {
      removing = null;
      renderFactors();
    },
  };
}

/** What removing a factor means, in a sentence or two. */
function removalNote(factor, only) {
  const notes = [only ? 'It is your only factor: you will have to set up a new one before you can use protected routes again.' : 'You will no longer be able to verify with it.'];
  if (factor.kind === 'webauthn') notes.push('The passkey stays on your device until you delete it there too.');
  if (factor.kind === 'oob') notes.push(`No more codes will be sent to ${factor.hint}.`);
  return notes.join(' ');
}

function factorItem(factor) {
  const item = element('li', 'factor');
  item.dataset.factorId = factor.id;
  const kind = element('span', `kind kind-${kindKey(factor)}`, kindOf(factor).name);
  const title = element('span');
  title.append(element('span', 'factor-label', factor.label));
  if (status.session?.factorId === factor.id) title.append(element('span', 'in-use', 'current MFA session'));
  const about = element('span', 'about');
  const sentTo = factor.kind === 'oob' ? `Codes go to ${factor.hint}. ` : '';
  about.append(title, element('span', 'muted', `${sentTo}Added ${dateTime(factor.createdAt)}`));
  const remove = button('Remove', 'secondary small', () => {
    removing = factor.id;
    renderFactors();
  });
  remove.setAttribute('aria-label', `Remove ${factorName(factor)}`);
  remove.hidden = removing === factor.id;
  item.append(kind, about, remove);
  if (removing === factor.id) {
    const only = status.factors.length === 1;
    const box = element('div', 'confirm');
    // The last factor of an account that must use MFA stays (the API answers 409 last_factor).
    const kept = only && status.required;
    box.append(
      element(
        'p',
        '',
        kept
          ? `This is your only factor (${factorName(factor)}), and this account must use MFA: set up another one first, then remove this one.`
          : `Remove ${factorName(factor)}? ${removalNote(factor, only)}`,
      ),
      ...(kept ? [] : [button('Remove it', 'danger small', () => attempt(removeAction(factor)))]),
      button(kept ? 'OK' : 'Keep it', 'secondary small', () => {
        removing = null;
        closeChallenge();
        renderFactors();
      }),
    );
    item.append(box);
  }
  return item;
}

/** Lists the user's factors: kind, label, when added, which one the session came from, Remove. */
function renderFactors() {
  const factors = status && !status.exempt ? status.factors : [];
  if (removing && !factors.some((f) => f.id === removing)) removing = null;
  show('factors-block', factors.length > 0);
  // The challenge box may sit inside the list: park it while the list is rebuilt, then put it back
  // (with the focus it had: moving an element drops it).
  const box = $('stepup');
  const focused = box.contains(document.activeElement) ? document.activeElement : null;
  if ($('factor-list').contains(box)) $('factors-challenge-slot').append(box);
  $('factor-list').replaceChildren(...factors.map(factorItem));
  if (pending) pending.slot().append(box);
  if (focused && box.contains(focused)) focused.focus();
}

// ---- start ---------------------------------------------------------------------------------
// After every deferred script has run, so that the panels of oob.js, inbox.js and admin.js are in.
document.addEventListener('DOMContentLoaded', () => {
  if (accessToken()) refreshStatus();
});
